import type { AuthResponseDto } from '@cairn/protocol'
import type { EventBus } from '../events/event-bus.ts'
import type { Storage, UserRow } from '../storage/storage.ts'
import { AppError, forbidden, unauthorized } from '../http/app-error.ts'
import type { JwtService } from './jwt.ts'
import type { LoginLimiter } from './login-limiter.ts'
import { hashSecret, verifySecret } from './password.ts'
import { callerFromUser } from './caller-from-user.ts'
import type { Caller } from './caller.ts'
import { ActiveUserCache, type CallerIdentity } from './active-user-cache.ts'
import { VerifiedTokenCache } from './verified-token-cache.ts'

/** One message for unknown login and wrong password, so logins cannot be probed. */
const BAD_CREDENTIALS = 'Invalid username or password'
/** A client address may fail ten times more than one login: many users can share an address (NAT). */
const ADDRESS_FACTOR = 10

/**
 * Logs users in with login/email/phone + password or long-lived token, issues JWT access and
 * refresh tokens, and turns a bearer token back into a caller on every request.
 *
 * Authenticating a request is on the path of every API call, so its two costs are cached: the
 * verification of an access token (until the token's expiry, see VerifiedTokenCache) and the active
 * user's identity (ACTIVE_USER_TTL_MS, see ActiveUserCache). A user changed through this instance
 * (disabled, roles, data owner) is evicted by its `user-change` event and re-read on its next request;
 * one changed through another instance on the same database is re-read within ACTIVE_USER_TTL_MS.
 */
export class AuthService {
  private readonly tokens: VerifiedTokenCache
  private readonly users: ActiveUserCache

  constructor(
    private readonly storage: Storage,
    private readonly jwt: JwtService,
    private readonly limiter: LoginLimiter,
    private readonly ttl: { access: number; refresh: number },
    private readonly events: EventBus,
    caches: { tokens?: VerifiedTokenCache; users?: ActiveUserCache } = {},
  ) {
    this.tokens = caches.tokens ?? new VerifiedTokenCache()
    this.users = caches.users ?? new ActiveUserCache()
    // Emitted after the change committed and before its answer is sent: the next request re-reads.
    events.subscribe((event) => {
      if (event.kind === 'user-change') this.users.evict(event.id)
    })
  }

  /** Checks credentials (rate-limited per login and per address) and issues tokens. */
  async login(
    username: string,
    password: string,
    address: string,
    requestId: string,
  ): Promise<AuthResponseDto> {
    const keys = [`login:${username.toLowerCase()}`, `addr:${address}`]
    if (this.limiter.isBlocked(keys[0]) || this.limiter.isBlocked(keys[1], ADDRESS_FACTOR)) {
      throw new AppError('RATE_LIMITED', 'Too many failed logins; try again later')
    }
    const user = await this.storage.findUserByIdentifier(username.toLowerCase())
    // An unknown login costs the same scrypt as a known one, so timing does not tell logins apart.
    const ok = user
      ? await this.checkSecret(user, password)
      : (await verifySecret(password, await this.dummyHash()), false)
    if (!ok || !user) {
      keys.forEach((k) => this.limiter.fail(k))
      throw unauthorized(BAD_CREDENTIALS)
    }
    if (user.status === 'DISABLED') throw forbidden('This user is disabled')
    // Only the login's own counter is cleared: one valid account must not reset its address's budget.
    this.limiter.succeed(keys[0])
    const tokens = await this.issue(user.id)
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

  private dummy?: Promise<string>

  /** A hash of a random secret, computed once, checked against when the login is unknown. */
  private dummyHash(): Promise<string> {
    this.dummy ??= hashSecret(crypto.randomUUID())
    return this.dummy
  }

  /** Exchanges a valid refresh token of an active user for new tokens. */
  async refresh(refreshToken: string): Promise<AuthResponseDto> {
    const userId = await this.jwt.verify(refreshToken, 'refresh')
    await this.activeUser(userId)
    return this.issue(userId)
  }

  /** Resolves the caller of a request from its `Authorization: Bearer` header. */
  async authenticate(authorization: string | undefined, requestId: string): Promise<Caller> {
    if (!authorization) throw unauthorized('Missing Authorization header (Bearer access token)')
    const [scheme, token] = authorization.split(' ')
    if (scheme?.toLowerCase() !== 'bearer' || !token)
      throw unauthorized('Authorization must be "Bearer <token>"')
    let userId = this.tokens.get(token)
    if (userId === undefined) {
      const claims = await this.jwt.verifyClaims(token, 'access')
      userId = claims.userId
      if (claims.expiresAt !== undefined) this.tokens.set(token, userId, claims.expiresAt)
    }
    const id = userId
    const identity = await this.users.get(id, async (): Promise<CallerIdentity> => {
      const { requestId: _unused, ...rest } = callerFromUser(await this.activeUser(id), '')
      return rest
    })
    return { ...identity, requestId }
  }

  private async activeUser(userId: string): Promise<UserRow> {
    const user = await this.storage.getUser(userId)
    if (!user) throw unauthorized('User no longer exists')
    if (user.status === 'DISABLED') throw unauthorized('This user is disabled')
    return user
  }

  /**
   * A password, or a long-lived token `<tokenId>.<secret>`: the token id selects the one stored hash
   * to check, so a login costs one scrypt whatever the number of tokens.
   */
  private async checkSecret(user: UserRow, secret: string): Promise<boolean> {
    const dot = secret.indexOf('.')
    if (dot > 0) {
      const token = await this.storage.getUserToken(user.id, secret.slice(0, dot))
      if (token && token.created + token.validity * 1000 > Date.now()) {
        if (await verifySecret(secret.slice(dot + 1), token.hash)) return true
      }
    }
    return user.passwordHash !== null && (await verifySecret(secret, user.passwordHash))
  }

  private async issue(userId: string): Promise<AuthResponseDto> {
    return {
      token: await this.jwt.sign(userId, 'access', this.ttl.access),
      refreshToken: await this.jwt.sign(userId, 'refresh', this.ttl.refresh),
      userId,
      expiresIn: this.ttl.access,
    }
  }
}
