import { describe, expect, it } from 'vitest'
import { LoginLimiter } from './login-limiter.ts'

describe('LoginLimiter', () => {
  it('blocks a key after its failures in the window, per key, and scales with the factor', () => {
    const limiter = new LoginLimiter(3, 60_000)
    const t0 = 1_000_000
    for (let i = 0; i < 3; i++) {
      expect(limiter.isBlocked('login:a', 1, t0)).toBe(false)
      limiter.fail('login:a', t0)
    }
    expect(limiter.isBlocked('login:a', 1, t0)).toBe(true)
    expect(limiter.isBlocked('login:b', 1, t0)).toBe(false)
    expect(limiter.isBlocked('login:a', 2, t0)).toBe(false)
  })

  it('forgets failures when the window ends or after a success', () => {
    const limiter = new LoginLimiter(1, 60_000)
    limiter.fail('k', 0)
    expect(limiter.isBlocked('k', 1, 59_999)).toBe(true)
    expect(limiter.isBlocked('k', 1, 60_000)).toBe(false)
    limiter.fail('j', 0)
    limiter.succeed('j')
    expect(limiter.isBlocked('j', 1, 1)).toBe(false)
  })
})
