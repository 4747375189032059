import { describe, expect, it } from 'vitest'
import type { LoginFailures, Storage } from '../storage/storage.ts'
import { LoginThrottle } from './login-throttle.ts'

const POLICY = { freeFailures: 3, addressFactor: 10, baseDelayMs: 1000, maxDelayMs: 8000, windowMs: 60_000 }

/** A throttle over an in-memory failure table with the database's counting rule, and a settable clock. */
function setUp() {
  const clock = { now: 100_000 }
  const table = new Map<string, LoginFailures>()
  const storage = {
    recordLoginFailure: (key: string, now: number, windowMs: number) => {
      const before = table.get(key)
      const failures = before && before.lastFailure >= now - windowMs ? before.failures + 1 : 1
      table.set(key, { failures, lastFailure: now })
      return Promise.resolve({ failures, lastFailure: now })
    },
    getLoginFailures: (keys: string[]) =>
      Promise.resolve(new Map(keys.flatMap((k) => (table.has(k) ? [[k, table.get(k)!] as const] : [])))),
    clearLoginFailures: (key: string) => Promise.resolve(void table.delete(key)),
  } as unknown as Storage
  return { throttle: new LoginThrottle(storage, POLICY, () => clock.now), clock }
}

describe('LoginThrottle', () => {
  it('doubles the delay after the free failures, up to the maximum', () => {
    const { throttle } = setUp()
    expect([0, 1, 2, 3, 4, 5, 6, 7, 50].map((n) => throttle.delayAfter(n, 3))).toEqual([
      0, 0, 0, 1000, 2000, 4000, 8000, 8000, 8000,
    ])
  })

  it('makes an account wait after its free failures, counted whatever the address', async () => {
    const { throttle, clock } = setUp()
    const account = LoginThrottle.accountKey('u1', 'alice')
    for (let i = 0; i < 2; i++) await throttle.fail(account, LoginThrottle.addressKey(`10.0.0.${i}`))
    expect(await throttle.waitMs(account, LoginThrottle.addressKey('10.0.0.9'))).toBe(0)
    await throttle.fail(account, LoginThrottle.addressKey('10.0.0.3'))
    expect(await throttle.waitMs(account, LoginThrottle.addressKey('10.0.0.9'))).toBe(1000)
    clock.now += 400
    expect(await throttle.waitMs(account, LoginThrottle.addressKey('10.0.0.9'))).toBe(600)
    clock.now += 600
    expect(await throttle.waitMs(account, LoginThrottle.addressKey('10.0.0.9'))).toBe(0)
    // Another account from one of those addresses is not held up.
    expect(
      await throttle.waitMs(LoginThrottle.accountKey('u2', 'bob'), LoginThrottle.addressKey('10.0.0.3')),
    ).toBe(0)
    await throttle.succeed(account)
    expect(await throttle.waitMs(account, LoginThrottle.addressKey('10.0.0.9'))).toBe(0)
  })

  it('gives an address ten times the free failures of an account, and forgets after the window', async () => {
    const { throttle, clock } = setUp()
    const address = LoginThrottle.addressKey('192.0.2.1')
    for (let i = 0; i < 29; i++)
      await throttle.fail(LoginThrottle.accountKey(undefined, `guess-${i}`), address)
    const fresh = LoginThrottle.accountKey(undefined, 'someone')
    expect(await throttle.waitMs(fresh, address)).toBe(0)
    await throttle.fail(LoginThrottle.accountKey(undefined, 'guess-29'), address)
    expect(await throttle.waitMs(fresh, address)).toBe(1000)
    clock.now += POLICY.windowMs + 1
    expect(await throttle.waitMs(fresh, address)).toBe(0)
  })

  it('keys accounts by user id, so every identifier of one user shares a budget', () => {
    expect(LoginThrottle.accountKey('u1', 'alice')).toBe(LoginThrottle.accountKey('u1', 'alice@example.org'))
    expect(LoginThrottle.accountKey(undefined, 'alice')).not.toBe(LoginThrottle.accountKey(undefined, 'bob'))
  })
})
