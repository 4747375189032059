/**
 * MedTech's reconnection budget (medtech-api.md §2.11): at most `maxRetries` reconnections, each after
 * the same fixed `intervalMs`, and the count starts again once a connection stayed up for
 * `(maxRetries + 1) * intervalMs`: long enough that a connection failing right after each reconnection
 * cannot reconnect forever, short enough that a subscription up for hours survives its next outage.
 */
export class RetryBudget {
  #used = 0
  #liveSince: number | undefined

  constructor(
    readonly maxRetries: number,
    readonly intervalMs: number,
  ) {}

  /** Reconnections made since the count last started. */
  get used(): number {
    return this.#used
  }

  /** The subscription went live at `now` (epoch ms). */
  live(now: number): void {
    this.#liveSince = now
  }

  /**
   * The connection was lost at `now`: true, and one more reconnection counted, if one may follow;
   * false once the budget is spent.
   */
  next(now: number): boolean {
    const stable = (this.maxRetries + 1) * this.intervalMs
    if (this.#liveSince !== undefined && now - this.#liveSince >= stable) this.#used = 0
    this.#liveSince = undefined
    if (this.#used >= this.maxRetries) return false
    this.#used++
    return true
  }
}
