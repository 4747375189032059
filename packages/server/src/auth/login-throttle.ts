import type { LoginFailures, Storage } from '../storage/storage.ts'

/** How the throttle counts and delays failed logins. */
export interface LoginThrottlePolicy {
  /** Failures of one account allowed without any delay within the window. */
  freeFailures: number
  /** A client address gets this many times the account's free failures (many users share a NAT). */
  addressFactor: number
  /** The first delay after the free failures, in ms; each further failure doubles it. */
  baseDelayMs: number
  /** The longest delay, in ms: the most one account can be held up by someone guessing its password. */
  maxDelayMs: number
  /** Failures are forgotten this long (ms) after the last one. */
  windowMs: number
}

/** Housekeeping (deleting stale counts) runs once every this many recorded failures. */
const PRUNE_EVERY = 1000

/**
 * Slows password guessing down with exponential back-off, per account (across its login, email and
 * phone: the key is the user id) and per client address, in the database so that every instance
 * shares the counts. After `freeFailures` failures each further one waits twice as long as the last,
 * up to `maxDelayMs`: there is no hard lock, so someone failing on purpose can hold an account up by
 * at most `maxDelayMs` at a time, while a guesser gets a few hundred tries a day at most. While a key
 * waits, logins are refused without checking the password (429 with Retry-After) and not counted.
 */
export class LoginThrottle {
  private recorded = 0

  constructor(
    private readonly storage: Storage,
    readonly policy: LoginThrottlePolicy,
    private readonly now: () => number = Date.now,
  ) {}

  /** Key of an account's counter (a user id) or of an identifier no account has. */
  static accountKey(userId: string | undefined, identifier: string): string {
    return userId !== undefined ? `user:${userId}` : `unknown:${identifier}`
  }

  /** Key of a client address's counter. */
  static addressKey(address: string): string {
    return `addr:${address}`
  }

  /** Milliseconds the caller must still wait before trying this account from this address (0: go). */
  async waitMs(accountKey: string, addressKey: string): Promise<number> {
    const counts = await this.storage.getLoginFailures([accountKey, addressKey])
    const now = this.now()
    return Math.max(
      this.remaining(counts.get(accountKey), this.policy.freeFailures, now),
      this.remaining(counts.get(addressKey), this.policy.freeFailures * this.policy.addressFactor, now),
    )
  }

  /** Records a failed login against both keys. */
  async fail(accountKey: string, addressKey: string): Promise<void> {
    const now = this.now()
    await this.storage.recordLoginFailure(accountKey, now, this.policy.windowMs)
    await this.storage.recordLoginFailure(addressKey, now, this.policy.windowMs)
    if (++this.recorded % PRUNE_EVERY === 0) await this.storage.pruneLoginFailures(now - this.policy.windowMs)
  }

  /**
   * Forgets an account's failures after a successful login. The address keeps its count: one valid
   * account must not reset the budget of an address guessing at others.
   */
  async succeed(accountKey: string): Promise<void> {
    await this.storage.clearLoginFailures(accountKey)
  }

  /**
   * For the gauges: keys (accounts and addresses) with failures in the window, and those that reached
   * the account's free failures (an address is only delayed at ten times that: counted from the same
   * threshold, as an early warning).
   */
  async stats(): Promise<{ tracked: number; blocked: number }> {
    const { tracked, overThreshold } = await this.storage.loginFailureStats(
      this.now() - this.policy.windowMs,
      this.policy.freeFailures,
    )
    return { tracked, blocked: overThreshold }
  }

  /** The delay (ms) that `failures` consecutive failures impose after the free ones. */
  delayAfter(failures: number, free: number): number {
    if (failures < free) return 0
    const doublings = Math.min(failures - free, 40)
    return Math.min(this.policy.baseDelayMs * 2 ** doublings, this.policy.maxDelayMs)
  }

  private remaining(count: LoginFailures | undefined, free: number, now: number): number {
    if (!count || now - count.lastFailure > this.policy.windowMs) return 0
    return Math.max(0, count.lastFailure + this.delayAfter(count.failures, free) - now)
  }
}
