import { SdkError } from '../http/sdk-error.ts'

/**
 * Options of the `subscribeTo...Events` methods: MedTech's two, plus Cairn's keep-alive timeout and
 * bound on the events waiting for the app.
 */
export interface SubscriptionOptions {
  /** Reconnections allowed after the subscription was lost (default 5); counted anew after a stable connection. */
  connectionMaxRetry?: number
  /** Delay before each reconnection, in ms (default 1000: fixed, as MedTech's). */
  connectionRetryIntervalMs?: number
  /**
   * Cairn: without any message from the server for this long (ms, default 50 000: 2.5 times the
   * server's 20 s ping interval, so one lost ping is tolerated), the connection is taken as dead,
   * closed, and reconnected.
   */
  pingTimeoutMs?: number
  /**
   * Cairn: the most events received and not yet handled by `eventFired` (default 1000, as the
   * server's own queue limit). Past it the SDK stops reading the socket (Node) or closes it and
   * reconnects from its cursor once they were handled (browsers, which cannot pause a WebSocket), so
   * a slow app never holds a whole replay or burst in memory: the server sees a slow consumer instead.
   */
  maxQueuedEvents?: number
}

/** The options with their defaults applied. */
export type ResolvedSubscriptionOptions = Required<SubscriptionOptions>

/** MedTech's defaults, a keep-alive of 2.5 ping intervals of 20 s, and the server's queue limit. */
export const DEFAULT_SUBSCRIPTION_OPTIONS: ResolvedSubscriptionOptions = {
  connectionMaxRetry: 5,
  connectionRetryIntervalMs: 1000,
  pingTimeoutMs: 50_000,
  maxQueuedEvents: 1000,
}

/** Upper bound of the delays: setTimeout overflows past 2^31-1 ms (and fires at once). */
const MAX_DELAY_MS = 2 ** 31 - 1

/** The options with defaults applied; a value that is not a sensible number fails with BAD_REQUEST. */
export function resolveSubscriptionOptions(options: SubscriptionOptions = {}): ResolvedSubscriptionOptions {
  const out = { ...DEFAULT_SUBSCRIPTION_OPTIONS }
  const check = (name: keyof SubscriptionOptions, min: number, max: number) => {
    const value = options[name]
    if (value === undefined || value === null) return
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
      throw new SdkError(
        'BAD_REQUEST',
        `${name} must be an integer from ${min} to ${max} (got ${String(value)})`,
      )
    out[name] = value
  }
  check('connectionMaxRetry', 0, Number.MAX_SAFE_INTEGER)
  check('connectionRetryIntervalMs', 0, MAX_DELAY_MS)
  check('pingTimeoutMs', 1, MAX_DELAY_MS)
  check('maxQueuedEvents', 1, Number.MAX_SAFE_INTEGER)
  return out
}
