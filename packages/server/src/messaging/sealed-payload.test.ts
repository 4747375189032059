import { describe, expect, it } from 'vitest'
import { SealedPayload } from './sealed-payload.ts'

const SECRET = 'a-jwt-secret-of-at-least-32-characters-long'

describe('SealedPayload', () => {
  it('opens what it sealed, and hides the content', () => {
    const seal = new SealedPayload(SECRET)
    const text = JSON.stringify({ subject: 'Your code is 482913', html: '<p>482913</p>' })
    const sealed = seal.seal('msg-1', text)
    expect(sealed.startsWith('v1.')).toBe(true)
    expect(sealed).not.toContain('482913')
    expect(Buffer.from(sealed.slice(3), 'base64url').toString('latin1')).not.toContain('482913')
    expect(seal.open('msg-1', sealed)).toBe(text)
    // Another instance with the same secret (another server on the same database) opens it too.
    expect(new SealedPayload(SECRET).open('msg-1', sealed)).toBe(text)
  })

  it('uses a fresh IV each time', () => {
    const seal = new SealedPayload(SECRET)
    expect(seal.seal('m', 'same')).not.toBe(seal.seal('m', 'same'))
  })

  it('refuses a payload altered anywhere, truncated, or of an unknown format', () => {
    const seal = new SealedPayload(SECRET)
    const sealed = seal.seal('msg-1', 'hello, this is the content')
    const bytes = Buffer.from(sealed.slice(3), 'base64url')
    for (let i = 0; i < bytes.length; i++) {
      const tampered = Buffer.from(bytes)
      tampered[i] ^= 0x01
      expect(() => seal.open('msg-1', `v1.${tampered.toString('base64url')}`), `byte ${i}`).toThrow(
        /authentication failed/,
      )
    }
    expect(() => seal.open('msg-1', `v1.${bytes.subarray(0, 20).toString('base64url')}`)).toThrow(/truncated/)
    expect(() => seal.open('msg-1', `v1.${bytes.subarray(0, 30).toString('base64url')}`)).toThrow()
    expect(() => seal.open('msg-1', `v2.${bytes.toString('base64url')}`)).toThrow(/unknown format/)
  })

  it('refuses a payload moved to another message, or sealed under another secret', () => {
    const sealed = new SealedPayload(SECRET).seal('msg-1', 'content')
    expect(() => new SealedPayload(SECRET).open('msg-2', sealed)).toThrow(/authentication failed/)
    expect(() => new SealedPayload(`${SECRET}!`).open('msg-1', sealed)).toThrow(/authentication failed/)
  })
})
