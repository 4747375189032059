import { describe, expect, it } from 'vitest'
import type { LoginFailures, Storage } from '../storage/storage.ts'
import { LoginThrottle } from './login-throttle.ts'

const POLICY = { freeFailures: 3, addressFactor: 10, baseDelayMs: 1000, maxDelayMs: 8000, windowMs: 60_000 }

/**
 * A throttle over an in-memory failure table with the storage contract's compare-and-set (the
 * contract tests check both databases keep it), and a settable clock.
 */
function setUp() {
  const clock = { now: 100_000 }
  const table = new Map<string, LoginFailures>()
  const same = (a: LoginFailures | undefined, b: LoginFailures | undefined) =>
    a?.failures === b?.failures && a?.lastFailure === b?.lastFailure
  const storage = {
    compareAndSetLoginFailures: (key: string, expected: LoginFailures | undefined, next: LoginFailures) => {
      if (!same(table.get(key), expected)) return Promise.resolve(false)
      table.set(key, { ...next })
      return Promise.resolve(true)
    },
    forgiveLoginFailure: (key: string) => {
      const row = table.get(key)
      if (row && row.failures > 0) table.set(key, { ...row, failures: row.failures - 1 })
      return Promise.resolve()
    },
    getLoginFailures: (keys: string[]) =>
      Promise.resolve(
        new Map(keys.flatMap((k) => (table.has(k) ? [[k, { ...table.get(k)! }] as const] : []))),
      ),
    clearLoginFailures: (key: string) => Promise.resolve(void table.delete(key)),
    pruneLoginFailures: () => Promise.resolve(),
  } as unknown as Storage
  const throttle = new LoginThrottle(storage, POLICY, 'a test secret', () => clock.now)
  /** One login attempt that fails (its reservation stands): the wait answered (0: it was counted). */
  const fail = (account: string, address: string) => throttle.reserve(account, address)
  return { throttle, clock, table, fail }
}

const addr = (address: string) => LoginThrottle.addressKey(address)

describe('LoginThrottle', () => {
  it('doubles the delay after the free failures, up to the maximum', () => {
    const { throttle } = setUp()
    expect([0, 1, 2, 3, 4, 5, 6, 7, 50].map((n) => throttle.delayAfter(n, 3))).toEqual([
      0, 0, 0, 1000, 2000, 4000, 8000, 8000, 8000,
    ])
  })

  it('makes an account wait after its free failures, whatever the address, and counts nothing while it waits', async () => {
    const { throttle, clock, table, fail } = setUp()
    const account = LoginThrottle.userKey('u1')
    for (let i = 0; i < 3; i++) expect(await fail(account, addr(`10.0.0.${i}`))).toBe(0)
    expect(await fail(account, addr('10.0.0.9'))).toBe(1000)
    clock.now += 400
    expect(await fail(account, addr('10.0.0.9'))).toBe(600)
    expect(table.get(account)?.failures).toBe(3)
    // The refused attempts did not count against the address either.
    expect(table.get(addr('10.0.0.9'))).toBeUndefined()
    clock.now += 600
    expect(await fail(account, addr('10.0.0.9'))).toBe(0)
    expect(await fail(account, addr('10.0.0.9'))).toBe(2000)
    // Another account from one of those addresses is not held up.
    expect(await throttle.reserve(LoginThrottle.userKey('u2'), addr('10.0.0.3'))).toBe(0)
  })

  it('serialises parallel attempts: a burst gets no more tries than one guess at a time', async () => {
    const { fail } = setUp()
    const account = LoginThrottle.userKey('u1')
    const waits = await Promise.all(Array.from({ length: 50 }, (_, i) => fail(account, addr(`10.0.1.${i}`))))
    expect(waits.filter((w) => w === 0)).toHaveLength(3)
  })

  it('gives an attempt back on success: the account starts again, the address keeps its failures', async () => {
    const { throttle, table, fail } = setUp()
    const account = LoginThrottle.userKey('u1')
    const address = addr('192.0.2.7')
    await fail(account, address)
    await fail(account, address)
    expect(await throttle.reserve(account, address)).toBe(0)
    await throttle.succeed(account, address)
    expect(table.get(account)).toBeUndefined()
    expect(table.get(address)?.failures).toBe(2)
  })

  it('gives an address ten times the free failures of an account, and forgets after the window', async () => {
    const { throttle, clock, fail } = setUp()
    const address = addr('192.0.2.1')
    for (let i = 0; i < 30; i++)
      expect(await fail(throttle.accountKey(undefined, `guess-${i}`), address)).toBe(0)
    const fresh = throttle.accountKey(undefined, 'someone')
    expect(await fail(fresh, address)).toBe(1000)
    clock.now += POLICY.windowMs + 1
    expect(await fail(fresh, address)).toBe(0)
  })

  it('keys accounts by user id, and identifiers of no account by a keyed hash, never in clear', () => {
    const { throttle } = setUp()
    expect(throttle.accountKey('u1', 'alice')).toBe(throttle.accountKey('u1', 'alice@example.org'))
    const unknown = throttle.accountKey(undefined, 'my secret password')
    expect(unknown).not.toContain('secret')
    expect(unknown).toBe(throttle.accountKey(undefined, 'my secret password'))
    expect(unknown).not.toBe(throttle.accountKey(undefined, 'bob'))
    expect(
      new LoginThrottle({} as Storage, POLICY, 'another secret').accountKey(undefined, 'my secret password'),
    ).not.toBe(unknown)
  })

  it('counts an IPv6 client by its /64 and an IPv4-mapped one as IPv4', () => {
    expect(addr('2001:db8:1:2:aaaa::1')).toBe(addr('2001:db8:1:2:bbbb:cccc:dddd:eeee'))
    expect(addr('2001:db8:1:2::1')).not.toBe(addr('2001:db8:1:3::1'))
    expect(addr('::ffff:192.0.2.1')).toBe(addr('192.0.2.1'))
    expect(addr('192.0.2.1')).not.toBe(addr('192.0.2.2'))
  })
})
