import { randomUUID } from 'node:crypto'
import type { AuthResponseDto } from '@cairn/protocol'
import type { SessionRow, SessionSelector, Storage } from '../storage/storage.ts'
import { unauthorized } from '../http/app-error.ts'
import type { JwtService } from './jwt.ts'

/**
 * How long a session's state is reused without reading its row again (ms): the bound on how late a
 * revocation made through *another* instance reaches this one (this instance's own revocations apply
 * at once). Same reasoning as ACTIVE_USER_TTL_MS.
 */
export const SESSION_TTL_MS = 1000

/** Ended sessions are kept this long (ms) before housekeeping deletes them: a day of forensics. */
const KEEP_ENDED_MS = 24 * 3600_000
/** Housekeeping runs once every this many new sessions (a DELETE over an indexed column). */
const PRUNE_EVERY = 500

/** A cached session lookup: its promise, and once it settled, the row (null: no such session). */
interface CacheEntry {
  session: Promise<SessionRow | undefined>
  loadedAt: number
  row?: SessionRow | null
  /** The answer for that row, built once (authentication is on every request's path). */
  active?: ActiveSession
}

/** The session an access token belongs to, as every request needs it. */
export interface ActiveSession {
  readonly id: string
  readonly userId: string
  readonly authTime: number
  /** When the long-lived token the session was opened with expires (no credential outlives it). */
  readonly notAfter?: number
}

/**
 * Login sessions. A login opens a session row; its access and refresh tokens name it (`sid`). Refresh
 * tokens rotate: each carries the session's generation (`gen`), a refresh moves the session to the
 * next generation in one conditional UPDATE, and presenting an older generation again (a stolen,
 * replayed or raced refresh token) revokes the whole session, so that of a thief and the user, the
 * first to be refused notices. Logout, a password change, deactivation and deletion revoke sessions;
 * access tokens of a revoked session are refused from the next request on this instance, within
 * SESSION_TTL_MS on the others.
 */
export class SessionService {
  private readonly cache = new Map<string, CacheEntry>()
  private opened = 0

  constructor(
    private readonly storage: Storage,
    private readonly jwt: JwtService,
    private readonly ttl: { access: number; refresh: number },
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Opens a session for a user who just proved a credential (`tokenId`: the long-lived token used,
   * which expires at `notAfter`: the session cannot outlive it, see SessionRow.notAfter).
   */
  async open(
    userId: string,
    tokenId: string | null,
    notAfter?: number,
  ): Promise<{ sessionId: string; tokens: AuthResponseDto }> {
    const now = this.now()
    const row: SessionRow = {
      id: randomUUID(),
      userId,
      created: now,
      authTime: now,
      tokenId,
      generation: 0,
      expires: Math.min(now + this.ttl.refresh * 1000, notAfter ?? Infinity),
      notAfter: notAfter ?? null,
      revoked: null,
    }
    await this.storage.insertSession(row)
    if (++this.opened % PRUNE_EVERY === 0) await this.storage.pruneSessions(now - KEEP_ENDED_MS)
    return { sessionId: row.id, tokens: await this.issue(userId, row.id, 0) }
  }

  /**
   * Exchanges the current refresh token of a session for the next pair. A refresh token of an older
   * generation revokes the session (reuse detection); any other failure is a plain 401.
   */
  async refresh(refreshToken: string): Promise<{ userId: string; tokens: AuthResponseDto }> {
    const claims = await this.jwt.verifyClaims(refreshToken, 'refresh')
    if (claims.sessionId === undefined || claims.generation === undefined)
      throw unauthorized('This refresh token predates sessions: log in again')
    const session = await this.storage.getSession(claims.sessionId)
    if (!session || session.userId !== claims.userId) throw unauthorized('Unknown session: log in again')
    if (session.revoked !== null) throw unauthorized('This session was ended: log in again')
    const now = this.now()
    if (session.expires <= now) throw unauthorized('This session has expired: log in again')
    const rotated =
      session.generation === claims.generation &&
      (await this.storage.rotateSession(
        session.id,
        claims.generation,
        now,
        Math.min(now + this.ttl.refresh * 1000, session.notAfter ?? Infinity),
      ))
    if (!rotated) {
      await this.revoke({ userId: session.userId, sessionId: session.id })
      throw unauthorized(
        'This refresh token was already used: the session is revoked, log in again (if you did not refresh twice, the token may have been stolen)',
      )
    }
    return {
      userId: session.userId,
      tokens: await this.issue(session.userId, session.id, claims.generation + 1),
    }
  }

  /**
   * The active session from the cache, without waiting, when its state was read less than
   * SESSION_TTL_MS ago (a 401 if it cannot be used); undefined when it must be read (`active`).
   */
  cachedActive(sessionId: string, userId: string): ActiveSession | undefined {
    const entry = this.cache.get(sessionId)
    if (!entry || entry.row === undefined || this.now() - entry.loadedAt >= SESSION_TTL_MS) return undefined
    return this.usable(entry, entry.row, userId)
  }

  /** The active session `sessionId` of `userId`, or a 401 saying why it cannot be used. */
  async active(sessionId: string, userId: string): Promise<ActiveSession> {
    const cached = this.cache.get(sessionId)
    let entry = cached
    if (!entry || this.now() - entry.loadedAt >= SESSION_TTL_MS) {
      if (cached) this.cache.delete(sessionId)
      // Bounded like the other caches: 10,000 sessions of a few hundred bytes.
      if (this.cache.size >= 10_000) {
        const oldest = this.cache.keys().next()
        if (!oldest.done) this.cache.delete(oldest.value)
      }
      const mine: CacheEntry = { session: this.storage.getSession(sessionId), loadedAt: this.now() }
      entry = mine
      this.cache.set(sessionId, mine)
      mine.session.then(
        (row) => {
          mine.row = row ?? null
        },
        () => {
          if (this.cache.get(sessionId) === mine) this.cache.delete(sessionId)
        },
      )
    }
    return this.usable(entry, (await entry.session) ?? null, userId)
  }

  /** The ActiveSession of a row (built once per cache entry), or the 401 saying why it cannot be used. */
  private usable(entry: CacheEntry, session: SessionRow | null, userId: string): ActiveSession {
    if (!session || session.userId !== userId) throw unauthorized('Unknown session: log in again')
    if (session.revoked !== null) throw unauthorized('This session was ended: log in again')
    if (session.notAfter !== null && session.notAfter <= this.now())
      throw unauthorized('The long-lived token of this session has expired: log in again')
    entry.active ??= {
      id: session.id,
      userId: session.userId,
      authTime: session.authTime,
      notAfter: session.notAfter ?? undefined,
    }
    return entry.active
  }

  /** Revokes the sessions of the selector (their access tokens stop working); returns how many. */
  async revoke(selector: SessionSelector): Promise<number> {
    const ids = await this.storage.revokeSessions(selector, this.now())
    for (const id of ids) this.cache.delete(id)
    return ids.length
  }

  private async issue(userId: string, sid: string, gen: number): Promise<AuthResponseDto> {
    return {
      token: await this.jwt.sign(userId, 'access', this.ttl.access, { sid }),
      refreshToken: await this.jwt.sign(userId, 'refresh', this.ttl.refresh, { sid, gen }),
      userId,
      expiresIn: this.ttl.access,
    }
  }
}
