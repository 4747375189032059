import { createHmac, randomUUID } from 'node:crypto'
import { expect } from 'vitest'
import type { EncryptionMetaDto, ErrorBody } from '@cairn/protocol'

/**
 * What a raw HTTP call gave back. `T` is the body the test expects (a wire DTO of @cairn/protocol):
 * it is not checked, so read the body only after asserting the status.
 */
export interface Answer<T = unknown> {
  status: number
  contentType: string
  text: string
  /** The body parsed as JSON, or undefined when it is not JSON. */
  body: T
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
export async function call<T = unknown>(
  baseUrl: string,
  method: string,
  path: string,
  opts: RequestOptions = {},
): Promise<Answer<T>> {
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
  let parsed: unknown
  try {
    parsed = text ? JSON.parse(text) : undefined
  } catch {
    parsed = undefined
  }
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', text, body: parsed as T }
}

/** A client bound to one server: `api.get('/rest/v1/...', token)`. */
export function client(baseUrl: string) {
  return {
    call: <T = unknown>(method: string, path: string, opts?: RequestOptions) =>
      call<T>(baseUrl, method, path, opts),
    get: <T = unknown>(path: string, token?: string) => call<T>(baseUrl, 'GET', path, { token }),
    post: <T = unknown>(path: string, json: unknown, token?: string) =>
      call<T>(baseUrl, 'POST', path, { token, json }),
    put: <T = unknown>(path: string, json: unknown, token?: string) =>
      call<T>(baseUrl, 'PUT', path, { token, json }),
    /** Logs in and returns the access and refresh tokens; fails the test if the login fails. */
    login: async (username: string, password: string) => {
      const a = await call<{ token: string; refreshToken: string; userId: string }>(
        baseUrl,
        'POST',
        '/rest/v1/auth/login',
        { json: { username, password } },
      )
      expect(a.status, a.text).toBe(200)
      return a.body
    },
  }
}
export type Client = ReturnType<typeof client>

/** Asserts an error answer: the status, the JSON `{error: {code, message}}`, and what the message says. */
export function expectError(a: Answer, status: number, code: string, message?: RegExp | string): void {
  expect(a.status, a.text).toBe(status)
  expect(a.contentType).toMatch(/application\/json/)
  // `as unknown`: vitest types its asymmetric matchers as `any`.
  expect(a.body).toEqual({ error: { code, message: expect.any(String) as unknown } })
  const error = (a.body as ErrorBody).error
  expect(error.message.length).toBeGreaterThan(0)
  if (message !== undefined) expect(error.message).toMatch(message)
}

/** An HS256 JWT signed with `secret`, shaped like the server's (`kind`, `sub`, `iat`, `exp`). */
export function signJwt(secret: string, claims: Record<string, unknown>): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')
  const head = `${b64({ alg: 'HS256' })}.${b64(claims)}`
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`
}

/** Empty crypto metadata of an encrypted entity, to which tests add entries. */
export function emptyMeta(): EncryptionMetaDto {
  return { secretForeignKeys: [], delegations: {}, encryptionKeys: {}, cryptedForeignKeys: {} }
}

export const uuid = (): string => randomUUID()
