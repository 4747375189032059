import { createHmac } from 'node:crypto'
import ipaddr from 'ipaddr.js'
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

/** Stale counts are deleted at most once a minute per instance, on a login. */
const PRUNE_INTERVAL_MS = 60_000
/**
 * A pending attempt older than this no longer counts: its login crashed or its instance died before
 * deciding it (a login takes a scrypt, well under a second).
 */
const PENDING_TTL_MS = 30_000
/**
 * Compare-and-set tries of one change of a count. Each lost try means another login of the same key
 * changed it at that moment (and made progress), so this only bounds a pathological storm; when
 * reached, the attempt is refused for the base delay.
 */
const CAS_TRIES = 200

/**
 * Slows password guessing down with exponential back-off, per account (across its login, email and
 * phone: the key is the user id) and per client address, in the database so that every instance
 * shares the counts. After `freeFailures` failures each further one waits twice as long as the last,
 * up to `maxDelayMs`: there is no hard lock, so someone failing on purpose can hold an account up by
 * at most `maxDelayMs` at a time, while a guesser gets a few hundred tries a day at most.
 *
 * Every attempt is counted as *pending* before its password is checked (`reserve`), then decided:
 * a failure (`fail`) or a success (`succeed`), which never moves the time of the last failure. Once a
 * key has used its free failures, only one attempt of it may be pending at a time: a burst of a
 * hundred parallel guesses gets no more tries than one guess at a time. Every change of a count is a
 * compare-and-set retried while it races with other logins of the key, so parallel valid logins
 * behind one address all go through. While a key waits, attempts are refused without checking the
 * password (429 with Retry-After).
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
   * Counts this attempt as pending against the account and the address, unless one of them must
   * wait: then nothing stays counted and the answer is how many ms to wait. 0: go ahead, check the
   * password, then call `fail` or `succeed`.
   */
  async reserve(accountKey: string, addressKey: string): Promise<number> {
    await this.pruneNow()
    const free = this.policy.freeFailures
    const wait = await this.reserveOne(accountKey, free)
    if (wait > 0) return wait
    const addressWait = await this.reserveOne(addressKey, free * this.policy.addressFactor)
    if (addressWait > 0) await this.settle(accountKey, false)
    return addressWait
  }

  /** The reserved attempt failed: one failure more for both keys, now. */
  async fail(accountKey: string, addressKey: string): Promise<void> {
    await this.settle(accountKey, true)
    await this.settle(addressKey, true)
  }

  /**
   * The reserved attempt succeeded: the account's failures are forgotten; the address's pending
   * attempt is withdrawn, its failures and their time untouched (one valid account must not reset,
   * nor restart, the back-off of an address that is guessing at others).
   */
  async succeed(accountKey: string, addressKey: string): Promise<void> {
    await this.storage.clearLoginFailures(accountKey)
    await this.settle(addressKey, false)
  }

  /** The reserved attempt was not decided (its check failed for another reason): neither key counts it. */
  async withdraw(accountKey: string, addressKey: string): Promise<void> {
    await this.settle(accountKey, false)
    await this.settle(addressKey, false)
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

  /**
   * How long an attempt on a key with count `c` must wait (0: it may go): within the free failures,
   * counting pending attempts, any number at once; past them, one at a time, each after the delay
   * of the failures so far.
   */
  waitFor(c: LoginFailures, free: number, now: number): number {
    if (c.failures + c.pending < free) return 0
    if (c.pending > 0) return this.policy.baseDelayMs
    return Math.max(0, c.lastFailure + this.delayAfter(c.failures, free) - now)
  }

  /** The live part of a stored count: failures within the window, pending attempts still fresh. */
  private live(stored: LoginFailures | undefined, now: number): LoginFailures {
    if (!stored) return { failures: 0, lastFailure: 0, pending: 0, pendingSince: 0 }
    const failuresLive = now - stored.lastFailure <= this.policy.windowMs
    const pendingLive = now - stored.pendingSince <= PENDING_TTL_MS
    return {
      failures: failuresLive ? stored.failures : 0,
      lastFailure: failuresLive ? stored.lastFailure : 0,
      pending: pendingLive ? stored.pending : 0,
      pendingSince: pendingLive ? stored.pendingSince : 0,
    }
  }

  /** One key: the wait (ms) if its count says so, else one pending attempt more (compare-and-set). */
  private async reserveOne(key: string, free: number): Promise<number> {
    for (let attempt = 0; attempt < CAS_TRIES; attempt++) {
      const now = this.now()
      const stored = (await this.storage.getLoginFailures([key])).get(key)
      const c = this.live(stored, now)
      const wait = this.waitFor(c, free, now)
      if (wait > 0) return wait
      const next = { ...c, pending: c.pending + 1, pendingSince: now }
      if (await this.storage.compareAndSetLoginFailures(key, stored, next)) return 0
    }
    return this.policy.baseDelayMs
  }

  /** Decides one pending attempt of `key`: a failure now, or withdrawn (compare-and-set, retried). */
  private async settle(key: string, failed: boolean): Promise<void> {
    for (let attempt = 0; attempt < CAS_TRIES; attempt++) {
      const now = this.now()
      const stored = (await this.storage.getLoginFailures([key])).get(key)
      if (!stored && !failed) return
      const c = this.live(stored, now)
      const pending = Math.max(0, c.pending - 1)
      const next = {
        ...c,
        pending,
        // No attempt in flight any more: no time of one either (the row is then exactly as before).
        pendingSince: pending === 0 ? 0 : c.pendingSince,
        ...(failed ? { failures: c.failures + 1, lastFailure: now } : {}),
      }
      if (await this.storage.compareAndSetLoginFailures(key, stored, next)) return
    }
  }

  private async pruneNow(): Promise<void> {
    const now = this.now()
    if (now - this.lastPrune < PRUNE_INTERVAL_MS) return
    this.lastPrune = now
    await this.storage.pruneLoginFailures(now - this.policy.windowMs)
  }
}
