import { hkdfSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { recoveryBlobAad } from './aad.ts'
import { aesEncrypt } from './aes.ts'
import { b64_2ua, b64Url2ua, ua2b64, utf8_2ua } from './binary.ts'
import { CryptoError } from './crypto-error.ts'
import { RECOVERY_SECRET_BYTES } from './recovery-code.ts'
import { decryptRecoveryData, deriveFromRecoverySecret, encryptRecoveryData } from './recovery-data.ts'
import { randomBytes } from './web-crypto.ts'

const OWNER = '3f0c4b1e-8d2a-4c55-9a57-0d6e1f2a3b4c'
const OTHER = '7a1d2c3b-4e5f-4a6b-8c7d-9e0f1a2b3c4d'
const PAIRS = [
  { publicKey: '30820122aa', privateKey: '308204bd01' },
  { publicKey: '30820122bb', privateKey: '308204bd02' },
]

async function expectCode(p: Promise<unknown>, code: CryptoError['code']): Promise<void> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  )
  expect(e).toBeInstanceOf(CryptoError)
  expect((e as CryptoError).code).toBe(code)
}

describe('values derived from a recovery secret', () => {
  it('are HKDF-SHA-256 with the documented salt and info (same as node:crypto hkdf)', async () => {
    const secret = randomBytes(RECOVERY_SECRET_BYTES)
    const { authValue, key } = await deriveFromRecoverySecret(secret, OWNER)
    const node = (info: string) =>
      new Uint8Array(hkdfSync('sha256', secret, 'cairn:v2:recovery-salt', info, 32))
    expect(b64Url2ua(authValue)).toEqual(node(`cairn:v2:recovery-auth:${OWNER}`))
    expect(new Uint8Array(key.raw)).toEqual(node(`cairn:v2:recovery-key:${OWNER}`))
    expect(authValue).toMatch(/^[A-Za-z0-9_-]{43}$/)
  })

  it('are deterministic, independent of each other, and differ per data owner and secret', async () => {
    const secret = randomBytes(RECOVERY_SECRET_BYTES)
    const a = await deriveFromRecoverySecret(secret, OWNER)
    const again = await deriveFromRecoverySecret(new Uint8Array(secret), OWNER)
    expect(again.authValue).toBe(a.authValue)
    expect(again.key.raw).toEqual(a.key.raw)
    expect(b64Url2ua(a.authValue)).not.toEqual(new Uint8Array(a.key.raw))
    const other = await deriveFromRecoverySecret(secret, OTHER)
    expect(other.authValue).not.toBe(a.authValue)
    const otherSecret = await deriveFromRecoverySecret(randomBytes(RECOVERY_SECRET_BYTES), OWNER)
    expect(otherSecret.authValue).not.toBe(a.authValue)
  })

  it('refuses a secret that is not 15 bytes and a data owner id that is not a context component', async () => {
    await expectCode(deriveFromRecoverySecret(new Uint8Array(16), OWNER), 'BAD_INPUT')
    await expectCode(deriveFromRecoverySecret(randomBytes(RECOVERY_SECRET_BYTES), ''), 'BAD_INPUT')
    await expectCode(deriveFromRecoverySecret(randomBytes(RECOVERY_SECRET_BYTES), 'a:b'), 'BAD_INPUT')
  })
})

describe('recovery data', () => {
  it('round-trips the key pairs, as a version-2 AES-GCM ciphertext', async () => {
    const { key } = await deriveFromRecoverySecret(randomBytes(RECOVERY_SECRET_BYTES), OWNER)
    const blob = await encryptRecoveryData(key, OWNER, PAIRS)
    expect(b64_2ua(blob)[0]).toBe(2)
    expect(blob).not.toContain(PAIRS[0].privateKey)
    expect((await decryptRecoveryData(key, OWNER, blob)).keyPairs).toEqual(PAIRS)
    // A fresh IV every time.
    expect(await encryptRecoveryData(key, OWNER, PAIRS)).not.toBe(blob)
  })

  it('does not open with another code, for another data owner, or once changed', async () => {
    const secret = randomBytes(RECOVERY_SECRET_BYTES)
    const { key } = await deriveFromRecoverySecret(secret, OWNER)
    const blob = await encryptRecoveryData(key, OWNER, PAIRS)
    const wrong = await deriveFromRecoverySecret(randomBytes(RECOVERY_SECRET_BYTES), OWNER)
    await expectCode(decryptRecoveryData(wrong.key, OWNER, blob), 'CANNOT_DECRYPT')
    // The other data owner's key from the same code, and the AAD of the other data owner.
    const forOther = await deriveFromRecoverySecret(secret, OTHER)
    await expectCode(decryptRecoveryData(forOther.key, OTHER, blob), 'CANNOT_DECRYPT')
    await expectCode(decryptRecoveryData(key, OTHER, blob), 'CANNOT_DECRYPT')
    const bytes = b64_2ua(blob)
    bytes[bytes.length - 20] ^= 1
    await expectCode(decryptRecoveryData(key, OWNER, ua2b64(bytes)), 'CANNOT_DECRYPT')
  })

  it('refuses content that decrypts but is not recovery data of this data owner', async () => {
    const { key } = await deriveFromRecoverySecret(randomBytes(RECOVERY_SECRET_BYTES), OWNER)
    const sealed = (value: unknown) =>
      aesEncrypt(key, utf8_2ua(JSON.stringify(value)), recoveryBlobAad(OWNER))
    const good = { v: 2, purpose: 'recovery-key', dataOwnerId: OWNER, keyPairs: PAIRS }
    await expectCode(decryptRecoveryData(key, OWNER, await sealed({ ...good, v: 1 })), 'UNSUPPORTED_VERSION')
    await expectCode(decryptRecoveryData(key, OWNER, await sealed({ ...good, purpose: 'x' })), 'BAD_INPUT')
    await expectCode(
      decryptRecoveryData(key, OWNER, await sealed({ ...good, dataOwnerId: OTHER })),
      'BAD_INPUT',
    )
    await expectCode(decryptRecoveryData(key, OWNER, await sealed({ ...good, keyPairs: [] })), 'BAD_INPUT')
    await expectCode(
      decryptRecoveryData(key, OWNER, await sealed({ ...good, keyPairs: [{ publicKey: 1 }] })),
      'BAD_INPUT',
    )
    await expectCode(
      decryptRecoveryData(key, OWNER, await aesEncrypt(key, utf8_2ua('not json'), recoveryBlobAad(OWNER))),
      'BAD_INPUT',
    )
  })

  it('needs at least one pair to encrypt', async () => {
    const { key } = await deriveFromRecoverySecret(randomBytes(RECOVERY_SECRET_BYTES), OWNER)
    await expectCode(encryptRecoveryData(key, OWNER, []), 'BAD_INPUT')
  })
})
