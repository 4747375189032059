import type { AuthResponseDto } from '@cairn/protocol'
import type { EventBus } from '../events/event-bus.ts'
import type { Storage, UserRow } from '../storage/storage.ts'
import { AppError, unauthorized } from '../http/app-error.ts'
import type { JwtService } from './jwt.ts'
import { LoginThrottle } from './login-throttle.ts'
import { hashSecret, verifySecret } from './password.ts'
import { callerFromUser } from './caller-from-user.ts'
import type { Caller } from './caller.ts'
import { ActiveUserCache, type CallerIdentity } from './active-user-cache.ts'
import { VerifiedTokenCache } from './verified-token-cache.ts'
import type { SessionService } from './session-service.ts'
import { DEFAULT_REAUTHENTICATION_WINDOW_MS } from './recent-authentication.ts'
import { ValidationCodeHasher } from '../messaging/validation-code.ts'
import { CodeLogin } from './code-login.ts'
import { UserWriter } from '../entities/user/user-writer.ts'
import type { AuditSink } from '../audit/audit-log.ts'

/**
 * One message for an unknown login, a wrong password and a disabled account, so that logins cannot be
 * probed: a disabled account with the right password is told exactly what a wrong password is told.
 */
const BAD_CREDENTIALS = 'Invalid username or password'

/** What the login route logs about a failed login: the account (when one matched), never a secret. */
export interface LoginFailureLog {
  warn(details: { userId?: string; address: string; reason: string; reqId: string }, message: string): void
}

/**
 * Logs users in with login/email/phone + password or long-lived token (opening a session, see
 * SessionService), refreshes and ends sessions, and turns a bearer token back into a caller on every
 * request.
 *
 * Authenticating a request is on the path of every API call, so its costs are cached: the
 * verification of an access token (until the token's expiry, see VerifiedTokenCache), the active
 * user's identity (ACTIVE_USER_TTL_MS, see ActiveUserCache) and its session's state (SESSION_TTL_MS).
 * A user changed through this instance (disabled, roles, data owner) is evicted by its `user-change`
 * event and re-read on its next request; one changed through another instance on the same database is
 * re-read within ACTIVE_USER_TTL_MS.
 */
export class AuthService {
  private readonly tokens: VerifiedTokenCache
  private readonly users: ActiveUserCache
  private readonly codeLogin: CodeLogin
  private readonly writer: UserWriter

  constructor(
    private readonly storage: Storage,
    private readonly jwt: JwtService,
    private readonly throttle: LoginThrottle,
    readonly sessions: SessionService,
    private readonly events: EventBus,
    caches: { tokens?: VerifiedTokenCache; users?: ActiveUserCache } = {},
    /** See DEFAULT_REAUTHENTICATION_WINDOW_MS. */
    private readonly reauthenticationWindowMs = DEFAULT_REAUTHENTICATION_WINDOW_MS,
    /**
     * Hashes validation codes (the message gateway stores them with it, the login checks them with
     * it): built from the server's secret so that every instance agrees; a random key by default.
     */
    readonly codes: ValidationCodeHasher = new ValidationCodeHasher(crypto.randomUUID()),
    /** Where failed logins are recorded (absent: the access log is off); successful ones come as events. */
    private readonly audit?: AuditSink,
  ) {
    this.tokens = caches.tokens ?? new VerifiedTokenCache()
    this.users = caches.users ?? new ActiveUserCache()
    this.codeLogin = new CodeLogin(storage, codes)
    this.writer = new UserWriter(storage, events)
    // Emitted after the change committed and before its answer is sent: the next request re-reads.
    events.subscribe((event) => {
      if (event.kind === 'user-change') this.users.evict(event.id)
    })
  }

  /**
   * Checks credentials and opens a session. Throttled per account (whichever identifier names it) and
   * per client address, with exponential back-off (LoginThrottle): a waiting key gets 429 with
   * Retry-After before any password is checked. Failures are logged with the account id only.
   */
  async login(
    username: string,
    password: string,
    address: string,
    requestId: string,
    log?: LoginFailureLog,
  ): Promise<AuthResponseDto> {
    const identifier = username.toLowerCase()
    const user = await this.storage.findUserByIdentifier(identifier)
    const account = this.throttle.accountKey(user?.id, identifier)
    const client = LoginThrottle.addressKey(address)
    // Counted before the password is checked (and given back on success): parallel guesses queue.
    const wait = await this.throttle.reserve(account, client)
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000)
      throw new AppError(
        'RATE_LIMITED',
        `Too many failed logins: try again in ${seconds} second${seconds === 1 ? '' : 's'}`,
        seconds,
      )
    }
    // An unknown login costs the same scrypt as a known one, so timing does not tell logins apart.
    // A check that throws (the database failing) withdraws the attempt rather than leave it pending.
    const proof = await (user ? this.checkSecret(user, password) : this.dummyCheck(password)).catch(
      async (error: unknown) => {
        await this.throttle.withdraw(account, client).catch(() => undefined)
        throw error
      },
    )
    if (proof === false || !user || user.status !== 'ACTIVE' || user.deletionDate !== null) {
      await this.throttle.fail(account, client)
      // The account when the login named one, never the login typed or the secret tried.
      this.audit?.record([
        {
          at: Date.now(),
          action: 'loginFailed',
          ...(user ? { actorUserId: user.id } : {}),
          requestId,
          clientAddress: address,
        },
      ])
      log?.warn(
        {
          ...(user ? { userId: user.id } : {}),
          address,
          reqId: requestId,
          reason: !user ? 'unknown login' : proof === false ? 'wrong secret' : 'account disabled',
        },
        'login failed',
      )
      throw unauthorized(BAD_CREDENTIALS)
    }
    await this.throttle.succeed(account, client)
    const { sessionId, tokens } = await this.sessions.open(user.id, proof.tokenId, proof.notAfter)
    // A password change (or deactivation) that committed while this login checked the old secret has
    // already revoked the user's sessions, but not this one, inserted after: look again, and end it.
    const after = await this.storage.getUser(user.id)
    if (
      !after ||
      after.passwordHash !== user.passwordHash ||
      after.status !== 'ACTIVE' ||
      after.deletionDate !== null ||
      (proof.tokenId !== null && !(await this.storage.getUserToken(user.id, proof.tokenId)))
    ) {
      await this.sessions.revoke({ userId: user.id, sessionId })
      throw unauthorized(BAD_CREDENTIALS)
    }
    if (proof.invitation !== undefined) {
      // The spent invitation leaves the user document too (its metadata, mirrored there at the
      // invitation). Cosmetic: the token itself is gone already, so a failure here fails no login.
      const spent = proof.invitation
      const caller = {
        userId: user.id,
        dataOwnerId: user.dataOwnerId ?? undefined,
        isAdmin: false,
        requestId,
      }
      await this.writer
        .update(caller, user.id, (u) => {
          if (!(spent in u.authenticationTokens)) return u
          const { [spent]: _spent, ...rest } = u.authenticationTokens
          return { ...u, authenticationTokens: rest }
        })
        .catch(() => undefined)
    }
    this.events.emit([
      {
        kind: 'login',
        entityType: 'user',
        id: user.id,
        actor: { userId: user.id, dataOwnerId: user.dataOwnerId ?? undefined },
        requestId,
        delegates: [],
        at: Date.now(),
      },
    ])
    return tokens
  }

  /** The scrypt of a login that matches no account: always false. */
  private async dummyCheck(password: string): Promise<false> {
    await verifySecret(password, await this.dummyHash())
    return false
  }

  private dummy?: Promise<string>

  /** A hash of a random secret, computed once, checked against when the login is unknown. */
  private dummyHash(): Promise<string> {
    this.dummy ??= hashSecret(crypto.randomUUID())
    return this.dummy
  }

  /**
   * Exchanges the current refresh token of a session for new tokens (rotation: the old one is spent,
   * and spending it again revokes the session), for a user who is still active.
   */
  async refresh(refreshToken: string): Promise<AuthResponseDto> {
    const { userId, tokens } = await this.sessions.refresh(refreshToken)
    await this.activeUser(userId)
    return tokens
  }

  /** Ends the caller's session: its refresh token and every access token of it stop working. */
  async logout(caller: Caller): Promise<{ sessionsEnded: number }> {
    if (!caller.sessionId) return { sessionsEnded: 0 }
    return {
      sessionsEnded: await this.sessions.revoke({ userId: caller.userId, sessionId: caller.sessionId }),
    }
  }

  /** Resolves the caller of a request from its `Authorization: Bearer` header. */
  async authenticate(authorization: string | undefined, requestId: string): Promise<Caller> {
    if (!authorization) throw unauthorized('Missing Authorization header (Bearer access token)')
    const [scheme, token] = authorization.split(' ')
    if (scheme?.toLowerCase() !== 'bearer' || !token)
      throw unauthorized('Authorization must be "Bearer <token>"')
    let claims = this.tokens.get(token)
    if (claims === undefined) {
      const verified = await this.jwt.verifyClaims(token, 'access')
      if (verified.sessionId === undefined)
        throw unauthorized('This access token predates sessions: log in again')
      claims = { userId: verified.userId, sessionId: verified.sessionId }
      if (verified.expiresAt !== undefined) this.tokens.set(token, claims, verified.expiresAt)
    }
    return this.callerOfSession(claims.userId, claims.sessionId, requestId)
  }

  /**
   * The caller of an active session of an active user (else a 401 saying why), through the same
   * caches as `authenticate`: for a realtime socket opened with a ticket (which names the user and
   * session of the token that asked for it), and for the socket's periodic check that its session was
   * not ended since.
   */
  async callerOfSession(id: string, sessionId: string, requestId: string): Promise<Caller> {
    // The user first (when both fail, its state is the more useful answer); the session's state is
    // nearly always cached and then answered without waiting.
    const identity = await this.users.get(id, async (): Promise<CallerIdentity> => {
      const { requestId: _unused, ...rest } = callerFromUser(await this.activeUser(id), '')
      return rest
    })
    const session = this.sessions.cachedActive(sessionId, id) ?? (await this.sessions.active(sessionId, id))
    return {
      ...identity,
      sessionId,
      authTime: session.authTime,
      recentAuthUntil: session.authTime + this.reauthenticationWindowMs,
      ...(session.notAfter !== undefined ? { credentialNotAfter: session.notAfter } : {}),
      requestId,
    }
  }

  private async activeUser(userId: string): Promise<UserRow> {
    const user = await this.storage.getUser(userId)
    if (!user || user.deletionDate !== null) throw unauthorized('User no longer exists')
    if (user.status === 'DISABLED') throw unauthorized('This user is disabled')
    return user
  }

  /**
   * A password, a long-lived token `<tokenId>.<secret>`, or a validation code. The token id selects
   * the one stored hash to check, so a login costs one scrypt whatever the number of tokens. Returns
   * what was proved (the token and when it expires, or the password: tokenId null), or false. Every
   * failing path costs one scrypt (an account without a password checks the dummy hash), so timing
   * tells no account state apart.
   *
   * - An invitation token (kind `invitation`) is single use: it is deleted when it proves right, and
   *   only the login whose delete removed it goes on (of two concurrent logins with it, one wins). Its
   *   session is a full one (tokenId null, no expiry of its own), like a password's: the invitee then
   *   mints its long-lived token and sets up its account from it.
   * - A validation code (digits; see CodeLogin) is tried first, with HMACs only; the right one is
   *   consumed and opens a full session without any scrypt (a success tells nothing new). A wrong one
   *   falls through to the password check, so it costs the scrypt of every failure, and counts in the
   *   request's attempts as well as in the login back-off.
   */
  private async checkSecret(
    user: UserRow,
    secret: string,
  ): Promise<{ tokenId: string | null; notAfter?: number; invitation?: string } | false> {
    if (await this.codeLogin.consume(user, secret)) return { tokenId: null }
    const dot = secret.indexOf('.')
    if (dot > 0) {
      const tokenId = secret.slice(0, dot)
      const token = await this.storage.getUserToken(user.id, tokenId)
      const notAfter = token && token.created + token.validity * 1000
      if (token && notAfter! > Date.now()) {
        if (!(await verifySecret(secret.slice(dot + 1), token.hash))) return false
        if (token.kind !== 'invitation') return { tokenId, notAfter: notAfter! }
        const won = (await this.storage.deleteUserTokens(user.id, [tokenId])) === 1
        return won ? { tokenId: null, invitation: tokenId } : false
      }
    }
    const ok = await verifySecret(secret, user.passwordHash ?? (await this.dummyHash()))
    return ok && user.passwordHash !== null ? { tokenId: null } : false
  }
}
