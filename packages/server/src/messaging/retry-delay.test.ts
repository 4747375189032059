import { describe, expect, it } from 'vitest'
import { MAX_RETRY_DELAY_MS, retryDelay } from './retry-delay.ts'

describe('retryDelay', () => {
  it('waits the base after the first failure, then doubles', () => {
    expect([1, 2, 3, 4, 5].map((n) => retryDelay(n, 2000))).toEqual([2000, 4000, 8000, 16000, 32000])
    expect([1, 2, 3].map((n) => retryDelay(n, 50))).toEqual([50, 100, 200])
  })

  it('never waits more than an hour', () => {
    expect(MAX_RETRY_DELAY_MS).toBe(3_600_000)
    expect(retryDelay(11, 2000)).toBe(2000 * 1024)
    expect(retryDelay(12, 2000)).toBe(MAX_RETRY_DELAY_MS)
    expect(retryDelay(1000, 2000)).toBe(MAX_RETRY_DELAY_MS)
    expect(retryDelay(1, 10 * 3_600_000)).toBe(MAX_RETRY_DELAY_MS)
  })

  it('treats no failure yet like the first', () => {
    expect(retryDelay(0, 2000)).toBe(2000)
  })
})
