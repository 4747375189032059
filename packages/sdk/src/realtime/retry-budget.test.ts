import { describe, expect, it } from 'vitest'
import { RetryBudget } from './retry-budget.ts'

describe('RetryBudget', () => {
  it('allows connectionMaxRetry reconnections in a row, then gives up', () => {
    const budget = new RetryBudget(3, 1000)
    expect([budget.next(0), budget.next(1000), budget.next(2000), budget.next(3000)]).toEqual([
      true,
      true,
      true,
      false,
    ])
    expect(budget.used).toBe(3)
    expect(budget.next(4000)).toBe(false)
  })

  it('allows none with connectionMaxRetry 0', () => {
    expect(new RetryBudget(0, 1000).next(0)).toBe(false)
  })

  it('starts counting anew after a connection that stayed up (maxRetries + 1) * interval', () => {
    const budget = new RetryBudget(2, 1000)
    expect(budget.next(0)).toBe(true)
    expect(budget.next(1000)).toBe(true)
    budget.live(2000)
    // Up for exactly (2 + 1) * 1000 ms: stable, the count starts again.
    expect(budget.next(5000)).toBe(true)
    expect(budget.used).toBe(1)
    expect(budget.next(6000)).toBe(true)
    expect(budget.next(7000)).toBe(false)
  })

  it('keeps counting when each connection fails soon after it went live', () => {
    const budget = new RetryBudget(2, 1000)
    budget.live(0)
    expect(budget.next(2999)).toBe(true)
    budget.live(4000)
    expect(budget.next(4500)).toBe(true)
    budget.live(5500)
    expect(budget.next(6000)).toBe(false)
  })

  it('does not count an old live period for a later loss', () => {
    const budget = new RetryBudget(1, 1000)
    budget.live(0)
    expect(budget.next(10_000)).toBe(true)
    // The live time was consumed by the previous loss: a failed reconnection does not reset.
    expect(budget.next(20_000)).toBe(false)
  })
})
