import { ConsoleError } from './console-error.ts'
import type { RestClient } from './console-session.ts'

interface Tokens {
  token: string
  refreshToken: string
  /** When `token` expires (ms since epoch), minus a margin. */
  expiresAt: number
}

/** Refresh a minute before the access token expires, so that a request never carries a dead one. */
const REFRESH_MARGIN_MS = 60_000

/** Reads the server's `{error: {code, message}}` answer into a ConsoleError. */
async function errorOf(response: Response): Promise<ConsoleError> {
  const body = (await response.json().catch(() => undefined)) as
    { error?: { code?: string; message?: string } } | undefined
  const message = body?.error?.message ?? `${response.status} ${response.statusText}`
  return new ConsoleError(message, body?.error?.code, response.status)
}

/**
 * Logs in with the server's password login and returns a RestClient holding the session's tokens in
 * memory only (a reload asks for the password again: nothing that unlocks the account is kept in the
 * browser's storage).
 */
export async function loginRest(origin: string, username: string, password: string): Promise<RestClient> {
  const post = async (path: string, body: unknown, token?: string) =>
    fetch(`${origin}/rest/v1${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    })
  const answer = async (response: Response): Promise<Tokens> => {
    if (!response.ok) throw await errorOf(response)
    const t = (await response.json()) as { token: string; refreshToken: string; expiresIn: number }
    return {
      token: t.token,
      refreshToken: t.refreshToken,
      expiresAt: Date.now() + t.expiresIn * 1000 - REFRESH_MARGIN_MS,
    }
  }
  let tokens = await answer(await post('/auth/login', { username, password }))
  let refreshing: Promise<Tokens> | undefined
  const token = async (): Promise<string> => {
    if (Date.now() < tokens.expiresAt) return tokens.token
    // One refresh at a time: a spent refresh token presented twice ends the session.
    refreshing ??= post('/auth/refresh', { refreshToken: tokens.refreshToken })
      .then(answer)
      .finally(() => (refreshing = undefined))
    tokens = await refreshing
    return tokens.token
  }
  return {
    async request<T>(method: string, path: string, body?: unknown): Promise<T> {
      const response = await fetch(`${origin}/rest/v1${path}`, {
        method,
        headers: {
          authorization: `Bearer ${await token()}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
      if (!response.ok) throw await errorOf(response)
      return (await response.json()) as T
    },
    async getRaw(path: string): Promise<Response> {
      return fetch(`${origin}${path}`, { headers: { authorization: `Bearer ${await token()}` } })
    },
    async logout(): Promise<void> {
      await post('/auth/logout', {}, await token()).catch(() => undefined)
    },
  }
}
