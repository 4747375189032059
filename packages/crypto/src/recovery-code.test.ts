import { describe, expect, it } from 'vitest'
import { CryptoError } from './crypto-error.ts'
import {
  formatRecoveryCode,
  generateRecoveryCode,
  parseRecoveryCode,
  RECOVERY_SECRET_BYTES,
} from './recovery-code.ts'
import { randomBytes } from './web-crypto.ts'

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
const SHAPE = /^([0-9A-HJKMNP-TV-Z]{4}-){6}[0-9A-HJKMNP-TV-Z]{4}$/

/** The CryptoError a parse rejects with (the test fails if it resolves). */
async function refusal(text: string): Promise<CryptoError> {
  const e = await parseRecoveryCode(text).then(
    () => undefined,
    (err: unknown) => err,
  )
  expect(e).toBeInstanceOf(CryptoError)
  expect((e as CryptoError).code).toBe('BAD_INPUT')
  expect((e as CryptoError).message).toMatch(/^This is not a valid recovery key: .*; check the characters$/)
  return e as CryptoError
}

/** The code's characters without hyphens. */
const bare = (code: string) => code.replaceAll('-', '')
/** Back into groups of 4. */
const grouped = (chars: string) => chars.match(/.{4}/g)!.join('-')

describe('recovery code format', () => {
  it('is 24 characters of Crockford base32 and 4 check characters, in 7 groups of 4', async () => {
    for (let i = 0; i < 20; i++) expect(await generateRecoveryCode()).toMatch(SHAPE)
  })

  it('round-trips any 15-byte secret, including the extremes', async () => {
    const secrets = [
      new Uint8Array(RECOVERY_SECRET_BYTES),
      new Uint8Array(RECOVERY_SECRET_BYTES).fill(0xff),
      ...Array.from({ length: 50 }, () => randomBytes(RECOVERY_SECRET_BYTES)),
    ]
    for (const secret of secrets) {
      const code = await formatRecoveryCode(secret)
      expect(code).toMatch(SHAPE)
      expect(await parseRecoveryCode(code)).toEqual(new Uint8Array(secret))
    }
  })

  it('is frozen: a known secret gives a known code (most significant bits first)', async () => {
    const zero = await formatRecoveryCode(new Uint8Array(RECOVERY_SECRET_BYTES))
    expect(bare(zero).slice(0, 24)).toBe('0'.repeat(24))
    const ones = await formatRecoveryCode(new Uint8Array(RECOVERY_SECRET_BYTES).fill(0xff))
    expect(bare(ones).slice(0, 24)).toBe('Z'.repeat(24))
    // 0x08 0x42 ... : the bits 00001 00001 00001 ... give "1" in every position.
    const pattern = [0x08, 0x42, 0x10, 0x84, 0x21]
    const secret = new Uint8Array([...pattern, ...pattern, ...pattern])
    expect(bare(await formatRecoveryCode(secret)).slice(0, 24)).toBe('1'.repeat(24))
    // The check characters too: a change of the check computation breaks every code written down.
    expect(zero).toBe('0000-0000-0000-0000-0000-0000-00J7')
    const counting = new Uint8Array(Array.from({ length: RECOVERY_SECRET_BYTES }, (_, i) => i))
    expect(await formatRecoveryCode(counting)).toBe('000G-40R4-0M30-E209-185G-R38E-FF9P')
  })

  it('refuses a secret that is not 15 bytes', async () => {
    for (const bad of [new Uint8Array(14), new Uint8Array(16), 'abc' as unknown as Uint8Array]) {
      await expect(formatRecoveryCode(bad)).rejects.toThrow(CryptoError)
    }
  })
})

describe('recovery code parsing', () => {
  it('ignores case, hyphens and spaces, and reads I and L as 1, O as 0', async () => {
    const code = await formatRecoveryCode(
      new Uint8Array([0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0, 1, 2, 3, 4, 5, 6]),
    )
    const secret = await parseRecoveryCode(code)
    const chars = bare(code)
    const variants = [
      code.toLowerCase(),
      chars,
      chars.match(/.{4}/g)!.join(' '),
      `  ${chars.match(/.{2}/g)!.join(' - ')}  `,
      code.replaceAll('1', 'I'),
      code.replaceAll('1', 'l'),
      code.replaceAll('0', 'O'),
      code.replaceAll('0', 'o'),
    ]
    for (const v of variants) expect(await parseRecoveryCode(v)).toEqual(secret)
  })

  it('refuses a wrong length, saying how many characters are expected', async () => {
    const code = await generateRecoveryCode()
    expect((await refusal(code.slice(0, -1))).message).toContain(
      '27 letters and digits where 28 are expected',
    )
    expect((await refusal(`${code}-7`)).message).toContain('29 letters and digits where 28 are expected')
    await refusal('')
    await refusal(42 as unknown as string)
  })

  it('refuses characters recovery codes never use, naming the position and not the code', async () => {
    const code = await generateRecoveryCode()
    for (const bad of ['U', '!', 'É', '_']) {
      const chars = bare(code)
      const typed = grouped(chars.slice(0, 8) + bad + chars.slice(9))
      const e = await refusal(typed)
      expect(e.message).toContain('character 9 ')
      expect(e.message).not.toContain(chars.slice(0, 8))
    }
  })

  it('detects every single mistyped character, in the secret and in the check characters', async () => {
    for (let round = 0; round < 5; round++) {
      const chars = bare(await generateRecoveryCode())
      for (let i = 0; i < chars.length; i++) {
        for (const c of ALPHABET) {
          if (c === chars[i]) continue
          const e = await refusal(grouped(chars.slice(0, i) + c + chars.slice(i + 1)))
          // Every wrong character is one recovery codes use: the check characters catch it.
          expect(e.message).toContain('check characters do not match')
        }
      }
    }
  })

  it('detects every swap of two neighbouring characters of the secret', async () => {
    for (let round = 0; round < 20; round++) {
      const chars = bare(await generateRecoveryCode())
      for (let i = 0; i + 1 < 24; i++) {
        if (chars[i] === chars[i + 1]) continue
        await refusal(grouped(chars.slice(0, i) + chars[i + 1] + chars[i] + chars.slice(i + 2)))
      }
    }
  })
})
