import { describe, expect, it } from 'vitest'
import { encryptSelf, generateAesKey } from '@cairn/crypto'
import { DEFAULT_BODY_LIMIT, MAX_ENCRYPTED_SELF_LENGTH } from '@cairn/protocol'
import { SdkError } from '../http/sdk-error.ts'
import { utf8Length } from './request-batches.ts'
import { assertEncryptedFits, assertFitsBeforeEncryption, minEncryptedSelfLength } from './entity-size.ts'

const refusal = (f: () => void): SdkError => {
  try {
    f()
  } catch (e) {
    expect(e).toBeInstanceOf(SdkError)
    return e as SdkError
  }
  throw new Error('expected a refusal')
}

describe('entity size checks', () => {
  it('never predicts an encryptedSelf longer than the real one (a lower bound)', async () => {
    const key = await generateAesKey()
    for (const fields of [{}, { note: 'é'.repeat(1000) }, { note: 'x'.repeat(30_001), n: [1, 2, 3] }]) {
      const real = await encryptSelf(key, 'dataSample', 'id', fields)
      expect(real.length).toBeGreaterThanOrEqual(minEncryptedSelfLength(utf8Length(JSON.stringify(fields))))
    }
  })

  it('refuses content that cannot fit in encryptedSelf, before encrypting, naming the limit', () => {
    // 3 bytes of content give at least 4 characters: just over the limit once encrypted.
    const note = 'x'.repeat((MAX_ENCRYPTED_SELF_LENGTH / 4) * 3)
    const e = refusal(() => assertFitsBeforeEncryption('dataSample d1', {}, { note }))
    expect(e.code).toBe('PAYLOAD_TOO_LARGE')
    expect(e.status).toBe(0)
    expect(e.message).toContain('before encryption')
    expect(e.message).toContain(`${MAX_ENCRYPTED_SELF_LENGTH} characters`)
    expect(e.message).toMatch(/^dataSample d1: /)
    // Well below: accepted.
    expect(() => assertFitsBeforeEncryption('d', {}, { note: note.slice(0, 300_000) })).not.toThrow()
  })

  it('counts the clear fields against the body limit', () => {
    const secret = { note: 'x'.repeat(300_000) }
    const clear = { label: 'y'.repeat(DEFAULT_BODY_LIMIT - minEncryptedSelfLength(300_011)) }
    const e = refusal(() => assertFitsBeforeEncryption('patient p1', clear, secret))
    expect(e.message).toContain(`${DEFAULT_BODY_LIMIT} bytes the server accepts in one request`)
    expect(() => assertFitsBeforeEncryption('p', { label: 'short' }, secret)).not.toThrow()
  })

  it('refuses an encryptedSelf over the limit once encrypted', () => {
    expect(() => assertEncryptedFits('p', 'A'.repeat(MAX_ENCRYPTED_SELF_LENGTH))).not.toThrow()
    const e = refusal(() => assertEncryptedFits('patient p1', 'A'.repeat(MAX_ENCRYPTED_SELF_LENGTH + 1)))
    expect(e.message).toContain(`is ${MAX_ENCRYPTED_SELF_LENGTH + 1} characters once encrypted`)
  })
})
