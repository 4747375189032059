import { createHmac } from 'node:crypto'
import ipaddr from 'ipaddr.js'
import type { Storage } from '../storage/storage.ts'

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

/** Stale counts are deleted at most once a minute per instance, on a login. */
const PRUNE_INTERVAL_MS = 60_000
/**
 * Tries of one reservation before giving up: each lost try means another login of the same key
 * changed its count at that very moment; after a few the key is obviously under parallel attack,
 * and the attempt is refused (it may retry after Retry-After).
 */
const RESERVE_TRIES = 4

/**
 * Slows password guessing down with exponential back-off, per account (across its login, email and
 * phone: the key is the user id) and per client address, in the database so that every instance
 * shares the counts. After `freeFailures` failures each further one waits twice as long as the last,
 * up to `maxDelayMs`: there is no hard lock, so someone failing on purpose can hold an account up by
 * at most `maxDelayMs` at a time, while a guesser gets a few hundred tries a day at most.
 *
 * Every attempt is counted *before* its password is checked (`reserve`, a compare-and-set on each
 * key's count), and given back when it succeeds (`succeed`): parallel attempts are serialised on the
 * count, so a burst of a hundred guesses gets no more tries than one guess at a time would. While a
 * key waits, attempts are refused without checking the password (429 with Retry-After).
 */
export class LoginThrottle {
  private lastPrune = 0
  private readonly keyOfUnknown: (identifier: string) => string

  /**
   * @param hashSecret keys the HMAC under which identifiers that match no account are stored: what
   *   people type as a login (sometimes their password) never sits in the table in clear.
   */
  constructor(
    private readonly storage: Storage,
    readonly policy: LoginThrottlePolicy,
    hashSecret: string,
    private readonly now: () => number = Date.now,
  ) {
    this.keyOfUnknown = (identifier) =>
      `unknown:${createHmac('sha256', hashSecret).update(`cairn:login-throttle:${identifier}`).digest('base64url')}`
  }

  /** Key of an account's count: its user id. */
  static userKey(userId: string): string {
    return `user:${userId}`
  }

  /** Key of the account named by a login: its user id, or a keyed hash of an identifier no account has. */
  accountKey(userId: string | undefined, identifier: string): string {
    return userId !== undefined ? LoginThrottle.userKey(userId) : this.keyOfUnknown(identifier)
  }

  /**
   * Key of a client address's count. IPv6 addresses count by their /64 prefix: one subscriber
   * usually gets a whole /64, and changing addresses within it must not buy a fresh budget.
   * IPv4-mapped IPv6 addresses count as their IPv4 address.
   */
  static addressKey(address: string): string {
    if (!ipaddr.isValid(address)) return `addr:${address}`
    const parsed = ipaddr.process(address)
    if (parsed.kind() === 'ipv4') return `addr:${parsed.toString()}`
    const parts = (parsed as ipaddr.IPv6).parts.slice(0, 4)
    return `addr:${parts.map((p) => p.toString(16)).join(':')}::/64`
  }

  /**
   * Counts this attempt against the account and the address, unless one of them must still wait:
   * then nothing is counted and the answer is how many ms to wait. 0: go ahead and check the password.
   */
  async reserve(accountKey: string, addressKey: string): Promise<number> {
    await this.pruneNow()
    const wait = await this.reserveOne(accountKey, this.policy.freeFailures)
    if (wait > 0) return wait
    const addressWait = await this.reserveOne(
      addressKey,
      this.policy.freeFailures * this.policy.addressFactor,
    )
    if (addressWait > 0) await this.storage.forgiveLoginFailure(accountKey)
    return addressWait
  }

  /**
   * A reserved attempt succeeded: the account's failures are forgotten, and the address gets its one
   * attempt back (not its failures: one valid account must not reset the budget of an address that
   * is guessing at others).
   */
  async succeed(accountKey: string, addressKey: string): Promise<void> {
    await this.storage.clearLoginFailures(accountKey)
    await this.storage.forgiveLoginFailure(addressKey)
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

  /** One key: wait (ms) if its count says so, else count the attempt with a compare-and-set. */
  private async reserveOne(key: string, free: number): Promise<number> {
    for (let attempt = 0; attempt < RESERVE_TRIES; attempt++) {
      const now = this.now()
      const current = (await this.storage.getLoginFailures([key])).get(key)
      // A count whose last failure left the window starts again from zero.
      const live = current && now - current.lastFailure <= this.policy.windowMs ? current : undefined
      const wait = live ? Math.max(0, live.lastFailure + this.delayAfter(live.failures, free) - now) : 0
      if (wait > 0) return wait
      const next = { failures: (live?.failures ?? 0) + 1, lastFailure: now }
      if (await this.storage.compareAndSetLoginFailures(key, current, next)) return 0
    }
    return this.policy.baseDelayMs
  }

  private async pruneNow(): Promise<void> {
    const now = this.now()
    if (now - this.lastPrune < PRUNE_INTERVAL_MS) return
    this.lastPrune = now
    await this.storage.pruneLoginFailures(now - this.policy.windowMs)
  }
}
