import { createHmac, randomUUID } from 'node:crypto'
import { expect } from 'vitest'

/** A parsed JSON answer (documents are free-form JSON objects). */
export type Json = any

/** What a raw HTTP call gave back. */
export interface Answer {
  status: number
  contentType: string
  text: string
  /** The body parsed as JSON, or undefined when it is not JSON. */
  body: Json
}

export interface RequestOptions {
  token?: string
  /** Sent as JSON (`content-type: application/json`). */
  json?: unknown
  /** Sent as is, with the given headers (to send malformed bodies). */
  raw?: string
  headers?: Record<string, string>
  /** Milliseconds before the call is aborted: a hanging server fails the test. */
  timeoutMs?: number
}

/** One HTTP call against `baseUrl + path`, never throwing on an error status. */
export async function call(
  baseUrl: string,
  method: string,
  path: string,
  opts: RequestOptions = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) }
  if (opts.token) headers.authorization = `Bearer ${opts.token}`
  let body: string | undefined = opts.raw
  if (opts.json !== undefined) {
    headers['content-type'] ??= 'application/json'
    body = JSON.stringify(opts.json)
  }
  const res = await fetch(baseUrl + path, {
    method,
    headers,
    body,
    signal: AbortSignal.timeout(opts.timeoutMs ?? 20_000),
  })
  const text = await res.text()
  let parsed: Json
  try {
    parsed = text ? JSON.parse(text) : undefined
  } catch {
    parsed = undefined
  }
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', text, body: parsed }
}

/** A client bound to one server: `api.get('/rest/v1/...', token)`. */
export function client(baseUrl: string) {
  return {
    call: (method: string, path: string, opts?: RequestOptions) => call(baseUrl, method, path, opts),
    get: (path: string, token?: string) => call(baseUrl, 'GET', path, { token }),
    post: (path: string, json: unknown, token?: string) => call(baseUrl, 'POST', path, { token, json }),
    put: (path: string, json: unknown, token?: string) => call(baseUrl, 'PUT', path, { token, json }),
    /** Logs in and returns the access and refresh tokens; fails the test if the login fails. */
    login: async (username: string, password: string) => {
      const a = await call(baseUrl, 'POST', '/rest/v1/auth/login', { json: { username, password } })
      expect(a.status, a.text).toBe(200)
      return a.body as { token: string; refreshToken: string; userId: string }
    },
  }
}
export type Client = ReturnType<typeof client>

/** Asserts an error answer: the status, the JSON `{error: {code, message}}`, and what the message says. */
export function expectError(a: Answer, status: number, code: string, message?: RegExp | string): void {
  expect(a.status, a.text).toBe(status)
  expect(a.contentType).toMatch(/application\/json/)
  expect(a.body).toEqual({ error: { code, message: expect.any(String) } })
  expect(a.body.error.message.length).toBeGreaterThan(0)
  if (message !== undefined) expect(a.body.error.message).toMatch(message)
}

/** An HS256 JWT signed with `secret`, shaped like the server's (`kind`, `sub`, `iat`, `exp`). */
export function signJwt(secret: string, claims: Record<string, unknown>): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')
  const head = `${b64({ alg: 'HS256' })}.${b64(claims)}`
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`
}

/** Empty crypto metadata of an encrypted entity, to which tests add entries. */
export function emptyMeta(): Json {
  return { secretForeignKeys: [], delegations: {}, encryptionKeys: {}, cryptedForeignKeys: {} }
}

export const uuid = (): string => randomUUID()
