import { describe, expect, it } from 'vitest'
import { VerifiedTokenCache } from './verified-token-cache.ts'

/** Claims of user `userId` in a session named after it. */
const c = (userId: string) => ({ userId, sessionId: `s-${userId}` })

describe('VerifiedTokenCache', () => {
  it('answers a remembered token until its expiry, never after', () => {
    let now = 1_000
    const cache = new VerifiedTokenCache(10, () => now)
    cache.set('t1', c('u1'), 5_000)
    expect(cache.get('t1')).toEqual(c('u1'))
    now = 4_999
    expect(cache.get('t1')).toEqual(c('u1'))
    now = 5_000
    expect(cache.get('t1')).toBeUndefined()
    // The expired entry is gone, not only hidden.
    expect(cache.size).toBe(0)
  })

  it('does not remember a token that has already expired', () => {
    const cache = new VerifiedTokenCache(10, () => 2_000)
    cache.set('old', c('u1'), 2_000)
    expect(cache.get('old')).toBeUndefined()
    expect(cache.size).toBe(0)
  })

  it('matches whole tokens only', () => {
    const cache = new VerifiedTokenCache(10, () => 0)
    cache.set('header.payload.signature', c('u1'), 10_000)
    expect(cache.get('header.payload.signatur')).toBeUndefined()
    expect(cache.get('header.payload.signature ')).toBeUndefined()
  })

  it('stays within its bound, forgetting the least recently used token first', () => {
    const cache = new VerifiedTokenCache(3, () => 0)
    cache.set('a', c('ua'), 10_000)
    cache.set('b', c('ub'), 10_000)
    cache.set('c', c('uc'), 10_000)
    expect(cache.get('a')).toEqual(c('ua')) // a is now the most recently used
    cache.set('d', c('ud'), 10_000)
    expect(cache.size).toBe(3)
    expect(cache.get('b')).toBeUndefined()
    expect(cache.get('a')).toEqual(c('ua'))
    expect(cache.get('c')).toEqual(c('uc'))
    expect(cache.get('d')).toEqual(c('ud'))
    for (let i = 0; i < 100; i++) cache.set(`t${i}`, c('u'), 10_000)
    expect(cache.size).toBe(3)
  })
})
