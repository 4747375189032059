import type { MedTechApi } from '@cairn/sdk'
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

/** A RestClient over any source of access tokens (`renew`: the server refused the last one). */
function restClient(
  origin: string,
  token: (renew: boolean) => Promise<string>,
  logout: () => Promise<void>,
): RestClient {
  /** One request, sent again once with a renewed token when the server refused the first. */
  const send = async (url: string, init: RequestInit): Promise<Response> => {
    const attempt = async (renew: boolean) =>
      fetch(url, { ...init, headers: { ...init.headers, authorization: `Bearer ${await token(renew)}` } })
    const response = await attempt(false)
    return response.status === 401 ? attempt(true) : response
  }
  return {
    async request<T>(method: string, path: string, body?: unknown): Promise<T> {
      const response = await send(`${origin}/rest/v1${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
      if (!response.ok) throw await errorOf(response)
      return (await response.json()) as T
    },
    getRaw(path: string): Promise<Response> {
      return send(`${origin}${path}`, {})
    },
    async logout(): Promise<void> {
      // Best effort, whatever fails (a refresh, the network): the session then expires on its own.
      await logout().catch(() => undefined)
    },
  }
}

/**
 * The REST client of a signed-in console: the SDK's own session (`api.sessionToken()`), so that a
 * sign-in logs in once (an invitation token works once) and a sign-out ends everything. Its
 * `logout` disposes of the API: calls still running stop instead of signing in again.
 */
export function restClientOf(origin: string, api: MedTechApi): RestClient {
  return restClient(
    origin,
    (renew) => api.sessionToken(renew),
    () => api.dispose(),
  )
}

/**
 * Logs in with the server's password login (or a single-use token) and returns a RestClient holding
 * the session's tokens in memory only: for what must happen before the SDK opens the keys (the first
 * password of an invited user). A refused token is never renewed by logging in again.
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
  return restClient(
    origin,
    // Only refreshed ahead of expiry: a refused token means the session is over.
    async (renew) => {
      if (renew) throw new ConsoleError('The session has ended: sign in again.', 'UNAUTHORIZED', 401)
      return token()
    },
    async () => {
      const response = await post('/auth/logout', {}, await token())
      if (!response.ok) throw await errorOf(response)
    },
  )
}
