import { describe, expect, it } from 'vitest'
import type { LoginFailures, Storage } from '../storage/storage.ts'
import { LoginThrottle } from './login-throttle.ts'

const POLICY = { freeFailures: 3, addressFactor: 10, baseDelayMs: 1000, maxDelayMs: 8000, windowMs: 60_000 }

/**
 * A throttle over an in-memory count table with the storage contract's compare-and-set (the
 * contract tests check both databases keep it), a settable clock, and a pause between every read
 * and the write after it, so that parallel logins interleave as they do on a database.
 */
function setUp() {
  const clock = { now: 100_000 }
  const table = new Map<string, LoginFailures>()
  const same = (a: LoginFailures | undefined, b: LoginFailures | undefined) =>
    JSON.stringify(a) === JSON.stringify(b)
  const tick = () => new Promise((resolve) => setImmediate(resolve))
  const storage = {
    compareAndSetLoginFailures: async (
      key: string,
      expected: LoginFailures | undefined,
      next: LoginFailures,
    ) => {
      await tick()
      if (!same(table.get(key), expected)) return false
      table.set(key, { ...next })
      return true
    },
    getLoginFailures: async (keys: string[]) => {
      await tick()
      return new Map(keys.flatMap((k) => (table.has(k) ? [[k, { ...table.get(k)! }] as const] : [])))
    },
    clearLoginFailures: (key: string) => Promise.resolve(void table.delete(key)),
    pruneLoginFailures: () => Promise.resolve(),
  } as unknown as Storage
  const throttle = new LoginThrottle(storage, POLICY, 'a test secret', () => clock.now)
  /** One complete failed attempt: 0 when it was counted, else the wait answered (nothing counted). */
  const failOnce = async (account: string, address: string) => {
    const wait = await throttle.reserve(account, address)
    if (wait === 0) await throttle.fail(account, address)
    return wait
  }
  return { throttle, clock, table, failOnce }
}

const addr = (address: string) => LoginThrottle.addressKey(address)
const user = (id: string) => LoginThrottle.userKey(id)

describe('LoginThrottle', () => {
  it('doubles the delay after the free failures, up to the maximum', () => {
    const { throttle } = setUp()
    expect([0, 1, 2, 3, 4, 5, 6, 7, 50].map((n) => throttle.delayAfter(n, 3))).toEqual([
      0, 0, 0, 1000, 2000, 4000, 8000, 8000, 8000,
    ])
  })

  it('makes an account wait after its free failures, whatever the address, and counts nothing while it waits', async () => {
    const { throttle, clock, table, failOnce } = setUp()
    for (let i = 0; i < 3; i++) expect(await failOnce(user('u1'), addr(`10.0.0.${i}`))).toBe(0)
    expect(await failOnce(user('u1'), addr('10.0.0.9'))).toBe(1000)
    clock.now += 400
    expect(await failOnce(user('u1'), addr('10.0.0.9'))).toBe(600)
    expect(table.get(user('u1'))).toMatchObject({ failures: 3, pending: 0 })
    expect(table.get(addr('10.0.0.9'))).toBeUndefined()
    clock.now += 600
    expect(await failOnce(user('u1'), addr('10.0.0.9'))).toBe(0)
    expect(await failOnce(user('u1'), addr('10.0.0.9'))).toBe(2000)
    // Another account from one of those addresses is not held up.
    expect(await throttle.reserve(user('u2'), addr('10.0.0.3'))).toBe(0)
  })

  it('lets parallel guesses through up to the free failures only, then one at a time', async () => {
    const { throttle, clock, failOnce } = setUp()
    const burst = await Promise.all(
      Array.from({ length: 50 }, (_, i) => throttle.reserve(user('u1'), addr(`10.0.1.${i}`))),
    )
    expect(burst.filter((w) => w === 0)).toHaveLength(3)
    for (let i = 0; i < 3; i++) await throttle.fail(user('u1'), addr(`10.0.1.${i}`))
    clock.now += 1000
    // Past the free failures, of a new burst only one attempt is let through at a time.
    const second = await Promise.all(
      Array.from({ length: 20 }, (_, i) => throttle.reserve(user('u1'), addr(`10.0.2.${i}`))),
    )
    expect(second.filter((w) => w === 0)).toHaveLength(1)
    expect(await failOnce(user('u1'), addr('10.0.3.1'))).toBeGreaterThan(0)
  })

  it('lets parallel valid logins of many accounts behind one address through, up to its budget in flight', async () => {
    const { throttle, table } = setUp()
    const address = addr('192.0.2.50')
    const waits = await Promise.all(
      Array.from({ length: 30 }, (_, i) => throttle.reserve(user(`u${i}`), address)),
    )
    expect(waits.every((w) => w === 0)).toBe(true)
    // Thirty logins in flight at once: the address's budget (ten times an account's); one more waits a second.
    expect(await throttle.reserve(user('u30'), address)).toBe(1000)
    await Promise.all(Array.from({ length: 30 }, (_, i) => throttle.succeed(user(`u${i}`), address)))
    expect(table.get(address)).toMatchObject({ failures: 0, pending: 0 })
    expect(table.has(user('u0'))).toBe(false)
    expect(await throttle.reserve(user('u30'), address)).toBe(0)
  })

  it('never moves the time of a failure when an attempt is withdrawn or succeeds', async () => {
    const { throttle, clock, table, failOnce } = setUp()
    const address = addr('192.0.2.1')
    // An account with two failures.
    await failOnce(user('victim'), addr('192.0.2.99'))
    await failOnce(user('victim'), addr('192.0.2.99'))
    const before = { ...table.get(user('victim'))! }
    // Later, an address in back-off: thirty failures of thirty accounts.
    clock.now += 500
    for (let i = 0; i < 30; i++)
      expect(await failOnce(throttle.accountKey(undefined, `guess-${i}`), address)).toBe(0)
    const lastAddressFailure = table.get(address)!.lastFailure
    // The account tried from that address: refused by the address, and the account's count is given
    // back exactly (its last failure does not move, so its window is not extended).
    clock.now += 500
    expect(await throttle.reserve(user('victim'), address)).toBe(500)
    expect(table.get(user('victim'))).toEqual(before)
    // After the address's wait, a valid login from it does not restart the address's back-off.
    clock.now += 500
    expect(await throttle.reserve(user('valid'), address)).toBe(0)
    await throttle.succeed(user('valid'), address)
    expect(table.get(address)).toMatchObject({ failures: 30, lastFailure: lastAddressFailure, pending: 0 })
  })

  it('forgets a pending attempt whose login never finished, and failures after the window', async () => {
    const { throttle, clock, failOnce } = setUp()
    for (let i = 0; i < 3; i++) await failOnce(user('u1'), addr('10.0.0.1'))
    clock.now += 1000
    expect(await throttle.reserve(user('u1'), addr('10.0.0.1'))).toBe(0) // then the instance dies
    expect(await throttle.reserve(user('u1'), addr('10.0.0.1'))).toBe(1000)
    clock.now += 30_001
    expect(await throttle.reserve(user('u1'), addr('10.0.0.1'))).toBe(0)
    clock.now += POLICY.windowMs + 1
    expect(await failOnce(user('u1'), addr('10.0.0.1'))).toBe(0)
  })

  it('keys accounts by user id, and identifiers of no account by a keyed hash, never in clear', () => {
    const { throttle } = setUp()
    expect(throttle.accountKey('u1', 'alice')).toBe(throttle.accountKey('u1', 'alice@example.org'))
    const unknown = throttle.accountKey(undefined, 'my secret password')
    expect(unknown).not.toContain('secret')
    expect(unknown).toBe(throttle.accountKey(undefined, 'my secret password'))
    expect(unknown).not.toBe(throttle.accountKey(undefined, 'bob'))
    const other = new LoginThrottle({} as Storage, POLICY, 'another secret')
    expect(other.accountKey(undefined, 'my secret password')).not.toBe(unknown)
  })

  it('counts an IPv6 client by its /64 and an IPv4-mapped one as IPv4', () => {
    expect(addr('2001:db8:1:2:aaaa::1')).toBe(addr('2001:db8:1:2:bbbb:cccc:dddd:eeee'))
    expect(addr('2001:db8:1:2::1')).not.toBe(addr('2001:db8:1:3::1'))
    expect(addr('::ffff:192.0.2.1')).toBe(addr('192.0.2.1'))
    expect(addr('192.0.2.1')).not.toBe(addr('192.0.2.2'))
  })
})
