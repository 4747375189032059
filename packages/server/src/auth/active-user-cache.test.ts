import { describe, expect, it } from 'vitest'
import { ACTIVE_USER_TTL_MS, ActiveUserCache, type CallerIdentity } from './active-user-cache.ts'

const identity = (userId: string): CallerIdentity => ({ userId, isAdmin: false })

describe('ActiveUserCache', () => {
  it('reuses an identity for less than the TTL, then loads it again', async () => {
    let now = 0
    const cache = new ActiveUserCache(ACTIVE_USER_TTL_MS, 10, () => now)
    let loads = 0
    const load = () => (loads++, Promise.resolve(identity('u1')))
    await cache.get('u1', load)
    now = ACTIVE_USER_TTL_MS - 1
    await cache.get('u1', load)
    expect(loads).toBe(1)
    now = ACTIVE_USER_TTL_MS
    await cache.get('u1', load)
    expect(loads).toBe(2)
  })

  it('shares one lookup between concurrent requests of a user', async () => {
    const cache = new ActiveUserCache(1000, 10, () => 0)
    let loads = 0
    let release!: (v: CallerIdentity) => void
    const load = () => (loads++, new Promise<CallerIdentity>((resolve) => (release = resolve)))
    const both = Promise.all([cache.get('u1', load), cache.get('u1', load)])
    release(identity('u1'))
    expect(await both).toEqual([identity('u1'), identity('u1')])
    expect(loads).toBe(1)
  })

  it('never caches a failed lookup (a missing or disabled user)', async () => {
    const cache = new ActiveUserCache(1000, 10, () => 0)
    await expect(cache.get('u1', () => Promise.reject(new Error('This user is disabled')))).rejects.toThrow(
      'disabled',
    )
    expect(cache.size).toBe(0)
    expect(await cache.get('u1', () => Promise.resolve(identity('u1')))).toEqual(identity('u1'))
  })

  it('loads an evicted user again at once, and a lookup from before the eviction does not come back', async () => {
    const cache = new ActiveUserCache(1000, 10, () => 0)
    let release!: (v: CallerIdentity) => void
    const stale = cache.get('u1', () => new Promise<CallerIdentity>((resolve) => (release = resolve)))
    cache.evict('u1')
    release({ ...identity('u1'), isAdmin: true })
    await stale
    let loads = 0
    const fresh = await cache.get('u1', () => (loads++, Promise.resolve(identity('u1'))))
    expect(loads).toBe(1)
    expect(fresh.isAdmin).toBe(false)
  })

  it('stays within its bound', async () => {
    const cache = new ActiveUserCache(1000, 2, () => 0)
    for (const u of ['a', 'b', 'c', 'd']) await cache.get(u, () => Promise.resolve(identity(u)))
    expect(cache.size).toBe(2)
  })
})
