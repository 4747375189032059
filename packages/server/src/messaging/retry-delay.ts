/** Longest wait between two attempts to send a message: one hour. */
export const MAX_RETRY_DELAY_MS = 3_600_000

/**
 * How long the outbox waits after the `attempts`-th failed attempt before the next one: `baseMs`
 * after the first, doubling at each further failure, never more than an hour. A mail server that is
 * down for a while is then not hammered, and one back after an hour gets the message within the hour.
 */
export function retryDelay(attempts: number, baseMs: number): number {
  const exponent = Math.max(0, Math.floor(attempts) - 1)
  // 2^exponent overflows nothing below 2^1023; the cap applies long before.
  return Math.min(MAX_RETRY_DELAY_MS, baseMs * 2 ** Math.min(exponent, 64))
}
