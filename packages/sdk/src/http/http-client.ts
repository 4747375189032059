import { API_PREFIX, errorCodeForStatus, type AuthResponseDto, type ErrorBody } from '@cairn/protocol'
import { SdkError } from './sdk-error.ts'

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE'

/**
 * JSON over HTTP to a Cairn server with authentication: logs in with the user's credentials, sends
 * the JWT access token, refreshes it when it expires and logs in again when the refresh token is
 * gone. Failures become SdkError with the server's `{error: {code, message}}`.
 */
export class HttpClient {
  private tokens?: AuthResponseDto
  private pendingAuth?: Promise<void>

  constructor(
    readonly baseUrl: string,
    private readonly credentials?: { username: string; password: string },
    private readonly fetchImpl: typeof fetch = globalThis.fetch,
  ) {
    if (typeof fetchImpl !== 'function') throw new Error('A global fetch is required (Node 18+ or a browser)')
  }

  /** Logs in now (the builder calls it so that bad credentials fail `build()`). */
  async login(): Promise<void> {
    if (!this.credentials) throw new Error('No credentials to log in with')
    this.tokens = await this.send<AuthResponseDto>('POST', '/auth/login', this.credentials, false)
  }

  /** GET returning parsed JSON. */
  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path)
  }

  /** POST of a JSON body returning parsed JSON. */
  post<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, body)
  }

  /** PUT of a JSON body returning parsed JSON. */
  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, body)
  }

  /** An authenticated request, retried once after refreshing (or renewing) expired tokens. */
  async request<T>(method: Method, path: string, body?: unknown): Promise<T> {
    if (!this.tokens) await this.authenticate(false)
    try {
      return await this.send<T>(method, path, body, true)
    } catch (e) {
      if (!(e instanceof SdkError) || e.status !== 401 || !this.credentials) throw e
      await this.authenticate(true)
      return this.send<T>(method, path, body, true)
    }
  }

  /** One login or refresh at a time, shared by concurrent requests. */
  private authenticate(expired: boolean): Promise<void> {
    if (!this.pendingAuth) {
      const stale = this.tokens
      this.pendingAuth = (async () => {
        if (expired && stale) {
          try {
            this.tokens = await this.send<AuthResponseDto>(
              'POST',
              '/auth/refresh',
              { refreshToken: stale.refreshToken },
              false,
            )
            return
          } catch {
            // The refresh token expired too: fall back to a fresh login below.
          }
        }
        await this.login()
      })().finally(() => {
        this.pendingAuth = undefined
      })
    }
    return this.pendingAuth
  }

  private async send<T>(method: Method, path: string, body: unknown, auth: boolean): Promise<T> {
    const url = `${this.baseUrl}${API_PREFIX}${path}`
    const headers: Record<string, string> = { accept: 'application/json' }
    if (body !== undefined) headers['content-type'] = 'application/json'
    if (auth && this.tokens) headers.authorization = `Bearer ${this.tokens.token}`
    let res: Response
    try {
      res = await this.fetchImpl(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      })
    } catch (e) {
      throw new Error(`Cannot reach the Cairn server at ${this.baseUrl}: ${(e as Error).message}`)
    }
    const text = await res.text()
    if (!res.ok) {
      let code = errorCodeForStatus(res.status)
      let message = text || res.statusText
      try {
        const parsed = JSON.parse(text) as ErrorBody
        if (parsed?.error?.message) {
          code = parsed.error.code
          message = parsed.error.message
        }
      } catch {
        // Not JSON (e.g. a proxy error page): keep the raw text.
      }
      throw new SdkError(
        res.status,
        code,
        message,
        `${method} ${url}`,
        res.headers.get('x-request-id') ?? undefined,
      )
    }
    return (text ? JSON.parse(text) : undefined) as T
  }
}
