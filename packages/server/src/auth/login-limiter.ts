/**
 * Counts failed logins per key (login and client address) in fixed windows, to slow down password
 * guessing. In memory: with several instances each applies the limit on its own, which still bounds
 * guessing per instance; a shared store can replace this class later.
 */
export class LoginLimiter {
  private readonly failures = new Map<string, { count: number; resetAt: number }>()

  constructor(
    private readonly maxFailures: number,
    private readonly windowMs: number,
  ) {}

  /**
   * True while the key has used up its failures in the current window; `factor` scales the limit
   * (a client address, shared by many users behind one NAT, gets a larger budget than one login).
   */
  isBlocked(key: string, factor = 1, now = Date.now()): boolean {
    const entry = this.failures.get(key)
    if (!entry) return false
    if (entry.resetAt <= now) {
      this.failures.delete(key)
      return false
    }
    return entry.count >= this.maxFailures * factor
  }

  /** Records one failure for the key. */
  fail(key: string, now = Date.now()): void {
    const entry = this.failures.get(key)
    if (!entry || entry.resetAt <= now) this.failures.set(key, { count: 1, resetAt: now + this.windowMs })
    else entry.count++
    if (this.failures.size > 100_000) this.prune(now)
  }

  /** Forgets the key after a successful login. */
  succeed(key: string): void {
    this.failures.delete(key)
  }

  /**
   * How many keys have failures in their current window (`tracked`) and how many of them reached the
   * base limit (`blocked`), for the monitoring gauges. The limiter does not know each key's `factor`,
   * so `blocked` counts keys at `maxFailures`: a login is refused from there, an address only at its
   * larger budget. Walks the whole map (many thousands of keys under attack): for a scrape, not a request.
   */
  get size(): { tracked: number; blocked: number } {
    const now = Date.now()
    let tracked = 0
    let blocked = 0
    for (const entry of this.failures.values()) {
      if (entry.resetAt <= now) continue
      tracked++
      if (entry.count >= this.maxFailures) blocked++
    }
    return { tracked, blocked }
  }

  private prune(now: number): void {
    for (const [k, v] of this.failures) if (v.resetAt <= now) this.failures.delete(k)
  }
}
