import { afterEach, describe, expect, it } from 'vitest'
import {
  b64_2ua,
  b64_2uas,
  b64Url2ua,
  hex2string,
  hex2ua,
  string2hex,
  ua2b64,
  ua2b64Url,
  ua2hex,
  ua2utf8,
  utf8_2ua,
} from './binary.ts'
import { CryptoError } from './crypto-error.ts'

const samples = [
  new Uint8Array(0),
  new Uint8Array([0]),
  new Uint8Array([0xff, 0xfe]),
  new Uint8Array([1, 2, 3]),
]
const random = globalThis.crypto.getRandomValues(new Uint8Array(40_000))

function expectBadInput(fn: () => unknown): void {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(CryptoError)
    expect((e as CryptoError).code).toBe('BAD_INPUT')
    return
  }
  throw new Error('expected a BAD_INPUT CryptoError')
}

// Runs every assertion both with Node's Buffer and with the browser fallback (Buffer hidden).
const realBuffer = globalThis.Buffer
afterEach(() => {
  globalThis.Buffer = realBuffer
})

for (const mode of ['node Buffer', 'browser fallback'] as const) {
  describe(`binary utils (${mode})`, () => {
    const setup = (): void => {
      if (mode === 'browser fallback') (globalThis as { Buffer?: unknown }).Buffer = undefined
    }

    it('hex round trips and is lower case', () => {
      setup()
      for (const s of [...samples, random]) expect(realBuffer.compare(hex2ua(ua2hex(s)), s)).toBe(0)
      expect(ua2hex(new Uint8Array([0xab, 0x01]))).toBe('ab01')
      expect(hex2ua('AB01')).toEqual(new Uint8Array([0xab, 0x01]))
      expect(ua2hex(new Uint8Array([9, 10]).buffer)).toBe('090a')
    })

    it('hex rejects odd length and non-hex characters', () => {
      setup()
      expectBadInput(() => hex2ua('abc'))
      expectBadInput(() => hex2ua('zz'))
      expectBadInput(() => hex2ua('0x12'))
      expectBadInput(() => hex2ua('12 3'))
    })

    it('base64 round trips, with and without padding', () => {
      setup()
      // Compared with Buffer.compare: deep equality of large typed arrays is slow in vitest.
      const same = (x: Uint8Array, y: Uint8Array): void => expect(realBuffer.compare(x, y)).toBe(0)
      for (const s of [...samples, random]) {
        same(b64_2ua(ua2b64(s)), s)
        same(b64_2uas(ua2b64(s)), s)
        same(b64Url2ua(ua2b64Url(s)), s)
      }
      expect(ua2b64(utf8_2ua('hello'))).toBe('aGVsbG8=')
      expect(ua2utf8(b64_2ua('aGVsbG8'))).toBe('hello')
      expect(ua2b64Url(new Uint8Array([0xfb, 0xff]))).toBe('-_8')
      expect(b64Url2ua('-_8=')).toEqual(new Uint8Array([0xfb, 0xff]))
    })

    it('base64 returns plain Uint8Arrays that own their memory', () => {
      setup()
      const u = b64_2ua('AQID')
      expect(Object.getPrototypeOf(u)).toBe(Uint8Array.prototype)
      expect(u.byteOffset).toBe(0)
      expect(u.buffer.byteLength).toBe(3)
    })

    it('base64 rejects invalid input', () => {
      setup()
      for (const bad of ['a', 'ab!d', 'ab==cd', 'aGVsbG8==', 'a===', 'ab c', '-_8=', '====']) {
        expectBadInput(() => b64_2ua(bad))
      }
      for (const bad of ['+/', 'a', 'ab c']) expectBadInput(() => b64Url2ua(bad))
    })

    it('utf8 and hex strings round trip any string', () => {
      setup()
      for (const s of ['', 'abc', 'été ✓ 🧪', 'a\u0000b']) {
        expect(ua2utf8(utf8_2ua(s))).toBe(s)
        expect(hex2string(string2hex(s))).toBe(s)
      }
      expect(string2hex('AZ')).toBe('415a')
    })
  })
}

describe('binary utils, both paths agree', () => {
  it('gives identical encodings with and without Buffer', () => {
    const withBuffer = [ua2hex(random), ua2b64(random), ua2b64Url(random)]
    ;(globalThis as { Buffer?: unknown }).Buffer = undefined
    const without = [ua2hex(random), ua2b64(random), ua2b64Url(random)]
    expect(without).toEqual(withBuffer)
  })

  it('encodes views at their offset, not their whole buffer', () => {
    const view = new Uint8Array([1, 2, 3, 4, 5]).subarray(1, 3)
    expect(ua2hex(view)).toBe('0203')
    expect(ua2b64(view)).toBe(ua2b64(new Uint8Array([2, 3])))
  })

  it('rejects non-binary arguments', () => {
    expectBadInput(() => ua2hex('abc' as unknown as Uint8Array))
  })
})
