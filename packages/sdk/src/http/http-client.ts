import {
  API_PREFIX,
  ROUTES,
  errorCodeForStatus,
  routePath,
  type AuthResponseDto,
  type ErrorBody,
  type ResponseOf,
  type RouteDef,
  type RouteInput,
} from '@cairn/protocol'
import { SdkError, networkError } from './sdk-error.ts'

/** Loose view of a route input, for building the request. */
interface AnyInput {
  params?: Record<string, string>
  query?: Record<string, string | number | boolean | undefined>
  body?: unknown
}

/**
 * Raw bytes to send as `application/octet-stream`: made anew for every attempt, since a request sent
 * again (after a token refresh) needs a fresh stream. A ReadableStream is streamed as it is produced.
 */
export type RawBody = () => Promise<ReadableStream<Uint8Array> | Blob | Uint8Array<ArrayBuffer>>

/** How a request's body is sent and its answer read, besides JSON. */
interface Transfer {
  /** Send these bytes instead of a JSON body. */
  raw?: RawBody
  /** Answer the body of a successful response as a stream of bytes instead of parsing JSON. */
  stream?: boolean
  /**
   * Send to another base than the server's: `url` replaces `strip`, the start of the route's path (the
   * message gateway: msgGwUrl stands for `{server}/msggw`). The token goes along only when `token` is
   * set (the same origin as the server's).
   */
  at?: { url: string; strip: string; token: boolean }
}

/**
 * JSON over HTTP to a Cairn server, route by route from the protocol's route table (no path is
 * written here), with authentication: logs in with the user's credentials, sends the JWT access
 * token, refreshes it when it expires and logs in again when the refresh token is gone. Failures
 * become SdkError with the server's `{error: {code, message}}`.
 */
export class HttpClient {
  private tokens?: AuthResponseDto
  private pendingAuth?: Promise<void>
  private readonly fetchImpl: typeof fetch
  /** Set by {@link dispose}: every later call rejects instead of logging in again. */
  private disposed = false

  constructor(
    readonly baseUrl: string,
    private credentials?: { username: string; password: string },
    fetchImpl: typeof fetch = globalThis.fetch,
  ) {
    if (typeof fetchImpl !== 'function')
      throw new SdkError('BAD_REQUEST', 'A global fetch is required (Node 18+ or a browser)')
    // Browsers refuse the global fetch called as a method of another object ("Illegal invocation").
    this.fetchImpl = fetchImpl === globalThis.fetch ? fetchImpl.bind(globalThis) : fetchImpl
  }

  /** A safe summary for logs and JSON: the base URL and user name, never the password or tokens. */
  toJSON(): { baseUrl: string; username?: string } {
    return { baseUrl: this.baseUrl, username: this.credentials?.username }
  }

  /** What `console.log` / `util.inspect` show in Node.js: the safe summary of {@link toJSON}. */
  [Symbol.for('nodejs.util.inspect.custom')](
    _depth: number,
    options: object,
    inspect?: (value: unknown, options: object) => string,
  ): unknown {
    return inspect ? `HttpClient ${inspect(this.toJSON(), options)}` : this.toJSON()
  }

  /** Logs in now (the builder calls it so that bad credentials fail `build()`). */
  async login(): Promise<void> {
    this.assertLive()
    if (!this.credentials) throw new SdkError('BAD_REQUEST', 'No credentials to log in with')
    this.tokens = await this.kept(await this.send(ROUTES.login, { body: this.credentials }, false))
  }

  /**
   * Ends the session and drops the credentials (Cairn extension, `MedTechApi.dispose()`): any later
   * call, and any call under way that would need to log in or refresh again, rejects with
   * {@link disposedError} instead of opening a new session. What an app calls at sign-out, so that
   * loops still running cannot sign the user back in with a password kept in memory.
   */
  async dispose(): Promise<void> {
    this.disposed = true
    this.credentials = undefined
    await this.logout()
  }

  /** Rejects every call once disposed. */
  private assertLive(): void {
    if (this.disposed) throw disposedError()
  }

  /**
   * Tokens a login or refresh just answered, unless the client was disposed meanwhile: then that new
   * session is ended at once (best effort) and the call rejects.
   */
  private async kept(tokens: AuthResponseDto): Promise<AuthResponseDto> {
    if (!this.disposed) return tokens
    await this.endSession(tokens).catch(() => undefined)
    throw disposedError()
  }

  /** Calls a route of the route table, authenticated (public routes too: the token is harmless there). */
  call<R extends RouteDef>(route: R, input: RouteInput<R>): Promise<ResponseOf<R>> {
    return this.request(route, input)
  }

  /**
   * Calls a root route at another base URL: `baseUrl` followed by the route's path without its leading
   * `strip` (the message gateway, whose routes start with `/msggw`, at the app's msgGwUrl). Authenticated
   * like {@link call} when this client has credentials, but the session's token only ever goes to the
   * server's own origin: a public route elsewhere is called without it, any other route is refused.
   * Without credentials (an anonymous client) only public routes answer.
   */
  callAt<R extends RouteDef>(
    baseUrl: string,
    strip: string,
    route: R,
    input: RouteInput<R>,
  ): Promise<ResponseOf<R>> {
    if (!route.root || !route.path.startsWith(strip))
      return Promise.reject(new SdkError('BAD_REQUEST', `Route ${route.operationId} is not under ${strip}`))
    const sameOrigin = originOf(baseUrl) === originOf(this.baseUrl)
    if (!sameOrigin && !route.public)
      return Promise.reject(
        new SdkError(
          'BAD_REQUEST',
          `${route.operationId} needs the session of the Cairn server at ${this.baseUrl}, which is never sent to ` +
            `another origin (${baseUrl}): the message gateway of a Cairn server is the server itself, at ` +
            `${this.baseUrl}${strip} (withMsgGwUrl)`,
        ),
      )
    return this.request(route, input, { at: { url: baseUrl, strip, token: sameOrigin } })
  }

  /**
   * Calls a route whose body is raw bytes (`bodyType: 'binary'`, attachments), sent as
   * `application/octet-stream`; answers the route's JSON.
   */
  upload<R extends RouteDef & { bodyType: 'binary' }>(
    route: R,
    input: RouteInput<R>,
    body: RawBody,
  ): Promise<ResponseOf<R>> {
    return this.request(route, input, { raw: body })
  }

  /**
   * Calls a route whose answer is raw bytes (`responseType: 'binary'`, attachments): resolves with the
   * response once its headers arrived, its body unread (a stream), so that large answers are consumed
   * as they arrive. Failures are SdkErrors as for JSON routes.
   */
  download<R extends RouteDef & { responseType: 'binary' }>(
    route: R,
    input: RouteInput<R>,
  ): Promise<Response> {
    return this.request(route, input, { stream: true }) as Promise<Response>
  }

  /**
   * The access token to authenticate something other than a fetch (the realtime socket's bearer
   * header), logging in first if needed. `renew` exchanges the current one through the refresh token
   * first (or logs in again when that fails): after the server said the token is no longer valid.
   * Undefined for an anonymous client. @internal
   */
  async accessToken(renew = false): Promise<string | undefined> {
    this.assertLive()
    if (this.credentials && (!this.tokens || renew)) await this.authenticate(renew)
    return this.tokens?.token
  }

  /**
   * Ends the server session of these tokens (its refresh token and access tokens stop working) and
   * forgets them; a later call logs in again with the credentials, if any.
   */
  async logout(): Promise<void> {
    const tokens = this.tokens
    this.tokens = undefined
    if (tokens) await this.endSession(tokens)
  }

  /**
   * Ends the server session of `tokens`. An expired access token is first exchanged through the
   * session's refresh token (the session is still alive until then); a session that cannot be
   * refreshed any more has already ended, which is what was asked.
   */
  private async endSession(tokens: AuthResponseDto): Promise<void> {
    try {
      await this.send(ROUTES.logout, {}, true, tokens)
    } catch (e) {
      if (!(e instanceof SdkError) || e.status !== 401) throw e
      let renewed: AuthResponseDto
      try {
        renewed = await this.send(ROUTES.refresh, { body: { refreshToken: tokens.refreshToken } }, false)
      } catch (refreshError) {
        if (refreshError instanceof SdkError && refreshError.status === 401) return
        throw refreshError
      }
      await this.send(ROUTES.logout, {}, true, renewed)
    }
  }

  /**
   * An authenticated request, retried once after refreshing (or renewing) expired tokens, or after a
   * fresh login with the password when the server wants a recent one (REAUTHENTICATION_REQUIRED: a
   * change of the user's own password or email, minutes after the last login).
   */
  private async request<R extends RouteDef>(
    route: R,
    input: RouteInput<R>,
    transfer?: Transfer,
  ): Promise<ResponseOf<R>> {
    this.assertLive()
    // An anonymous client (no credentials) sends without a token: public routes only.
    if (!this.tokens && this.credentials) await this.authenticate(false)
    const used = this.tokens
    try {
      return await this.send(route, input, true, this.tokens, transfer)
    } catch (e) {
      // Disposed while this call was under way: said plainly rather than as the server's 401.
      this.assertLive()
      // A public route's 401 is not about this session (a wrong validation code): never sent twice.
      if (!(e instanceof SdkError) || !this.credentials || route.public) throw e
      if (e.status === 401) await this.authenticate(true)
      else if (e.code !== 'REAUTHENTICATION_REQUIRED') throw e
      // Only if no other call logged in again since this one was sent (its answer may come late).
      else if (this.tokens === used) await this.reauthenticate()
      else await this.pendingAuth
      this.assertLive()
      return this.send(route, input, true, this.tokens, transfer)
    }
  }

  /**
   * A fresh login with the credentials (a new session), shared by concurrent requests; the session it
   * replaces is ended, so that re-authenticating does not leave live sessions behind.
   */
  private reauthenticate(): Promise<void> {
    this.pendingAuth ??= (async () => {
      const previous = this.tokens
      await this.login()
      // Best effort: the user's request must not fail because an old session could not be ended
      // (it then expires on its own).
      if (previous) await this.endSession(previous).catch(() => undefined)
    })().finally(() => {
      this.pendingAuth = undefined
    })
    return this.pendingAuth
  }

  /** One login or refresh at a time, shared by concurrent requests. */
  private authenticate(expired: boolean): Promise<void> {
    if (!this.pendingAuth) {
      const stale = this.tokens
      this.pendingAuth = (async () => {
        if (expired && stale) {
          try {
            const renewed = await this.send(
              ROUTES.refresh,
              { body: { refreshToken: stale.refreshToken } },
              false,
            )
            this.tokens = await this.kept(renewed)
            return
          } catch (e) {
            if (this.disposed) throw e
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

  private async send<R extends RouteDef>(
    route: R,
    input: RouteInput<R>,
    auth: boolean,
    tokens: AuthResponseDto | undefined = this.tokens,
    transfer: Transfer = {},
  ): Promise<ResponseOf<R>> {
    const { params, query, body } = input as AnyInput
    let path: string
    try {
      path = routePath(route, params, query)
    } catch (e) {
      throw new SdkError('BAD_REQUEST', (e as Error).message, { cause: e })
    }
    const base = transfer.at?.url ?? this.baseUrl
    const url = transfer.at
      ? `${transfer.at.url}${path.slice(transfer.at.strip.length)}`
      : `${this.baseUrl}${route.root ? '' : API_PREFIX}${path}`
    const headers: Record<string, string> = {
      accept: transfer.stream ? 'application/octet-stream, application/json' : 'application/json',
    }
    if (body !== undefined) headers['content-type'] = 'application/json'
    if (transfer.raw) headers['content-type'] = 'application/octet-stream'
    if (auth && tokens && (transfer.at?.token ?? true)) headers.authorization = `Bearer ${tokens.token}`
    const raw = transfer.raw ? await transfer.raw() : undefined
    let res: Response
    try {
      res = await this.fetchImpl(url, {
        method: route.method,
        headers,
        body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
        // A streamed body needs half duplex (fetch's rule for request streams).
        ...(raw instanceof ReadableStream ? { duplex: 'half' } : {}),
      })
    } catch (e) {
      throw networkError(base, `${route.method} ${url}`, e)
    }
    if (res.ok && transfer.stream) return res
    let text: string
    try {
      text = await res.text()
    } catch (e) {
      throw networkError(base, `${route.method} ${url}`, e)
    }
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
      throw SdkError.fromResponse(
        res.status,
        code,
        message,
        `${route.method} ${url}`,
        res.headers.get('x-request-id') ?? undefined,
      )
    }
    try {
      return (text ? JSON.parse(text) : undefined) as ResponseOf<R>
    } catch (e) {
      // A 200 that is not JSON comes from something else answering at that address (a proxy, a web server).
      throw new SdkError(
        'INTERNAL',
        `The answer to ${route.method} ${url} is not JSON: is ${base} a Cairn server?`,
        {
          status: res.status,
          url: `${route.method} ${url}`,
          requestId: res.headers.get('x-request-id') ?? undefined,
          cause: e,
        },
      )
    }
  }
}

/** What every call of a disposed client (and of its MedTechApi) rejects with. */
export function disposedError(): SdkError {
  return new SdkError('UNAUTHORIZED', 'This API was disposed: sign in again (build a new API).')
}

/** The origin (scheme, host and port) of a URL; the URL itself when it does not parse. */
function originOf(url: string): string {
  try {
    return new URL(url).origin
  } catch {
    return url
  }
}
