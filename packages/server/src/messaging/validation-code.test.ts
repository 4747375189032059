import { describe, expect, it } from 'vitest'
import {
  generateCode,
  isRequestId,
  looksLikeCode,
  parseValidation,
  ValidationCodeHasher,
} from './validation-code.ts'

const REQUEST = '7d4c1e9a-3b2f-4a6e-9c1d-2f8e5a7b6c4d'

describe('validation codes', () => {
  it('generates codes of the asked number of digits, every digit appearing', () => {
    for (const length of [6, 9, 12]) {
      const code = generateCode(length)
      expect(code).toMatch(new RegExp(`^[0-9]{${length}}$`))
    }
    const digits = new Set(Array.from({ length: 200 }, () => generateCode(6)).join(''))
    expect(digits.size).toBe(10)
    expect(new Set(Array.from({ length: 50 }, () => generateCode(12))).size).toBe(50)
  })

  it('hashes a code with its request id under the server secret, and checks it back', () => {
    const hasher = new ValidationCodeHasher('server-secret-of-at-least-32-characters!')
    const stored = hasher.hash(REQUEST, '123456')
    expect(stored).not.toContain('123456')
    expect(stored).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(hasher.matches(REQUEST, '123456', stored)).toBe(true)
    expect(hasher.matches(REQUEST.toUpperCase(), '123456', stored)).toBe(true)
    expect(hasher.matches(REQUEST, '123457', stored)).toBe(false)
    expect(hasher.matches(REQUEST.replace('7d4c', '7d4d'), '123456', stored)).toBe(false)
    expect(hasher.matches(REQUEST, '123456', 'short')).toBe(false)
    // Another secret (another deployment): another hash; the same secret (another instance): the same.
    expect(
      new ValidationCodeHasher('another-secret-of-at-least-32-characters').hash(REQUEST, '123456'),
    ).not.toBe(stored)
    expect(new ValidationCodeHasher('server-secret-of-at-least-32-characters!').hash(REQUEST, '123456')).toBe(
      stored,
    )
  })

  it('derives keyed identifiers per purpose that do not show the value', () => {
    const hasher = new ValidationCodeHasher('server-secret-of-at-least-32-characters!')
    const key = hasher.key('start', 'jane@example.org')
    expect(key).not.toContain('jane')
    expect(hasher.key('start', 'jane@example.org')).toBe(key)
    expect(hasher.key('other', 'jane@example.org')).not.toBe(key)
    expect(hasher.key('start', 'john@example.org')).not.toBe(key)
  })

  it('parses {requestId}-{code}: the code follows the last dash', () => {
    expect(parseValidation(`${REQUEST}-123456`)).toEqual({ requestId: REQUEST, code: '123456' })
    expect(parseValidation(`${REQUEST.toUpperCase()}-123456789012`)).toEqual({
      requestId: REQUEST,
      code: '123456789012',
    })
    for (const bad of [
      `${REQUEST}-12345`, // too short
      `${REQUEST}-1234567890123`, // too long
      `${REQUEST}-12345a`,
      `${REQUEST}123456`,
      `not-a-uuid-123456`,
      `-123456`,
      REQUEST,
      '',
    ])
      expect(parseValidation(bad), bad).toBeUndefined()
  })

  it('tells codes and request ids by their shape', () => {
    expect(looksLikeCode('000000')).toBe(true)
    expect(looksLikeCode('12345')).toBe(false)
    expect(looksLikeCode('password1')).toBe(false)
    expect(looksLikeCode('abc.def')).toBe(false)
    expect(isRequestId(REQUEST)).toBe(true)
    expect(isRequestId('request-1')).toBe(false)
  })
})
