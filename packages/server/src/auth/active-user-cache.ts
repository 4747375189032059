import type { Caller } from './caller.ts'

/** A caller without its request id: what a user's stored row says about every request it makes. */
export type CallerIdentity = Omit<Caller, 'requestId'>

/**
 * How long an active user's identity is reused without reading its row again (ms). This is the bound
 * on how late a change made through *another* server instance on the same database (a user disabled,
 * its roles changed) takes effect here. Changes made through this instance take effect on the next
 * request: AuthService evicts the user on its `user-change` write event. One second keeps a busy
 * client's user lookups to about one per second while staying far below any human reaction time.
 */
export const ACTIVE_USER_TTL_MS = 1000

/**
 * A very short-lived cache of active users' identities, so that authenticating a request does not
 * read and parse the user row every time. Only active users are cached: a missing or disabled user
 * throws from `load` and is looked up again on its next request. Concurrent requests of one user share
 * one lookup. Bounded by `maxEntries` (least recently loaded first out).
 */
export class ActiveUserCache {
  private readonly entries = new Map<string, { identity: Promise<CallerIdentity>; loadedAt: number }>()

  /**
   * @param ttlMs see {@link ACTIVE_USER_TTL_MS}.
   * @param maxEntries distinct users remembered at once.
   * @param now the clock (epoch ms), replaceable in tests.
   */
  constructor(
    private readonly ttlMs = ACTIVE_USER_TTL_MS,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The identity of an active user: cached if it was loaded less than `ttlMs` ago, else from `load`
   * (which must throw for a missing or disabled user; a failure is never cached).
   */
  get(userId: string, load: () => Promise<CallerIdentity>): Promise<CallerIdentity> {
    const cached = this.entries.get(userId)
    // The age counts from when the lookup started, so a slow lookup never extends the bound.
    if (cached && this.now() - cached.loadedAt < this.ttlMs) return cached.identity
    if (cached) this.entries.delete(userId)
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next()
      if (!oldest.done) this.entries.delete(oldest.value)
    }
    const entry = { identity: load(), loadedAt: this.now() }
    this.entries.set(userId, entry)
    entry.identity.catch(() => {
      // Only this lookup's own entry is dropped: an eviction and a newer lookup may have replaced it.
      if (this.entries.get(userId) === entry) this.entries.delete(userId)
    })
    return entry.identity
  }

  /** Forgets a user (it was changed): its next request reads its row again. */
  evict(userId: string): void {
    this.entries.delete(userId)
  }

  /** Number of remembered users (for tests and metrics). */
  get size(): number {
    return this.entries.size
  }
}
