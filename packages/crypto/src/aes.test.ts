import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exchangeKeySignedText, selfAad, wrapAad } from './aad.ts'
import { aesDecrypt, aesEncrypt, aesEncryptWithIvForTests, generateAesKey, importAesKey } from './aes.ts'
import { setSymmetricBackendForTests, symmetricBackend } from './backend.ts'
import { b64_2ua, hex2ua, ua2b64, ua2hex, utf8_2ua } from './binary.ts'
import { CryptoError } from './crypto-error.ts'
import { decryptSelf, encryptSelf, unwrapString, unwrapValue, wrapValue } from './entity-crypto.ts'
import type { SymmetricBackendName } from './symmetric-backend.ts'
import { PROTOCOL_VERSION } from './version.ts'

async function expectCode(p: Promise<unknown>, code: CryptoError['code']): Promise<void> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  )
  expect(e).toBeInstanceOf(CryptoError)
  expect((e as CryptoError).code).toBe(code)
}

function flipByte(b64: string, index: number): string {
  const bytes = b64_2ua(b64)
  bytes[index] ^= 0x01
  return ua2b64(bytes)
}

// Everything below the AAD section runs once per symmetric backend: node:crypto (the default under Node)
// and WebCrypto (what browsers use).
const BACKENDS: SymmetricBackendName[] = ['node', 'web']

function onBackend(name: SymmetricBackendName): void {
  beforeAll(() => setSymmetricBackendForTests(name))
  afterAll(() => setSymmetricBackendForTests(null))
  it('uses the intended backend', () => expect(symmetricBackend().name).toBe(name))
}

// Layout of an AES ciphertext: version (1) ‖ IV (12) ‖ ciphertext ‖ tag (16).
const IV_START = 1
const CT_START = 13

describe('AAD contexts', () => {
  it('have the exact v2 formats', () => {
    expect(selfAad('patient', 'p1')).toBe('cairn:v2:self:patient:p1')
    expect(wrapAad('ek', 'dataSample', 'e1', 'd1')).toBe('cairn:v2:ek:dataSample:e1:d1')
    expect(wrapAad('sid', 'patient', 'e1', 'd1')).toBe('cairn:v2:sid:patient:e1:d1')
    expect(wrapAad('fk', 'healthcareElement', 'e1', 'd1')).toBe('cairn:v2:fk:healthcareElement:e1:d1')
    expect(exchangeKeySignedText('a', 'b', 'ff00', 1700000000000, 'ee11')).toBe(
      'cairn:v2:xk:a:b:ff00:1700000000000:ee11',
    )
  })

  it('refuse ambiguous or empty components and unknown purposes', () => {
    expect(() => selfAad('patient', 'a:b')).toThrow(CryptoError)
    expect(() => selfAad('', 'x')).toThrow(CryptoError)
    expect(() => wrapAad('xx' as 'ek', 'patient', 'e', 'd')).toThrow(CryptoError)
  })
})

describe.each(BACKENDS)('AES-256-GCM (%s backend)', (backend) => {
  onBackend(backend)

  it('round trips with a fresh IV each time; output is version ‖ IV ‖ ciphertext ‖ tag', async () => {
    const k = await generateAesKey()
    expect(k.raw.length).toBe(32)
    const data = utf8_2ua('secret medical content')
    const c1 = await aesEncrypt(k, data, 'ctx')
    const c2 = await aesEncrypt(k, data, 'ctx')
    expect(c1).not.toBe(c2)
    const bytes = b64_2ua(c1)
    expect(bytes.length).toBe(1 + 12 + data.length + 16)
    expect(bytes[0]).toBe(PROTOCOL_VERSION)
    expect(PROTOCOL_VERSION).toBe(2)
    expect(ua2hex(bytes.subarray(IV_START, CT_START))).not.toBe(
      ua2hex(b64_2ua(c2).subarray(IV_START, CT_START)),
    )
    expect(await aesDecrypt(k, c1, 'ctx')).toEqual(data)
    expect(await aesDecrypt(await importAesKey(k.raw), c2, 'ctx')).toEqual(data)
  })

  it('known answer: fixed key, IV and AAD give the expected bytes, which decrypt', async () => {
    // Computed independently (Python `cryptography`, AESGCM): 0x02 ‖ IV ‖ ciphertext ‖ tag.
    const key = await importAesKey(hex2ua('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f'))
    const iv = hex2ua('0102030405060708090a0b0c')
    const aad = 'cairn:v2:self:patient:p1'
    const plaintext = utf8_2ua('{"note":"allergic to penicillin"}')
    const expected = 'AgECAwQFBgcICQoLDH7INLqY8dK8bsMPK3VhjUEhY5WRtx01q8g8kEjy3xjn+UMZhtAbQLPF9oDHlFOc74w='
    expect(await aesEncryptWithIvForTests(key, iv, plaintext, aad)).toBe(expected)
    expect(await aesDecrypt(key, expected, aad)).toEqual(plaintext)
    await expectCode(aesEncryptWithIvForTests(key, new Uint8Array(16), plaintext, aad), 'BAD_INPUT')
  })

  it('round trips empty and large plaintexts', async () => {
    const k = await generateAesKey()
    const big = new Uint8Array(1 << 20).fill(7)
    expect(await aesDecrypt(k, await aesEncrypt(k, new Uint8Array(0), 'ctx'), 'ctx')).toEqual(
      new Uint8Array(0),
    )
    // Compared as hex: element-wise deep equality of 1 MiB arrays is slow.
    expect(ua2hex(await aesDecrypt(k, await aesEncrypt(k, big, 'ctx'), 'ctx'))).toBe(ua2hex(big))
  })

  it('imports only 32-byte keys and copies them', async () => {
    await expectCode(importAesKey(new Uint8Array(16)), 'BAD_KEY')
    await expectCode(importAesKey(new Uint8Array(33)), 'BAD_KEY')
    const raw = new Uint8Array(32).fill(1)
    const k = await importAesKey(raw)
    raw[0] = 9
    expect(k.raw[0]).toBe(1)
  })

  it('wrong key -> CANNOT_DECRYPT', async () => {
    const c = await aesEncrypt(await generateAesKey(), utf8_2ua('x'), 'ctx')
    await expectCode(aesDecrypt(await generateAesKey(), c, 'ctx'), 'CANNOT_DECRYPT')
  })

  it('any flipped byte (IV, ciphertext, tag) -> CANNOT_DECRYPT; a flipped version byte -> UNSUPPORTED_VERSION', async () => {
    const k = await generateAesKey()
    const c = await aesEncrypt(k, utf8_2ua('hello world'), 'ctx')
    const len = b64_2ua(c).length
    for (const i of [IV_START, CT_START - 1, CT_START, 20, len - 16, len - 1])
      await expectCode(aesDecrypt(k, flipByte(c, i), 'ctx'), 'CANNOT_DECRYPT')
    await expectCode(aesDecrypt(k, flipByte(c, 0), 'ctx'), 'UNSUPPORTED_VERSION')
  })

  it('a ciphertext of another protocol version -> UNSUPPORTED_VERSION, before any decryption', async () => {
    const k = await generateAesKey()
    const data = utf8_2ua('written by a v1 client')
    // Protocol v1 layout: IV ‖ ciphertext ‖ tag, no version byte (here an IV starting with 0x01).
    const iv = new Uint8Array(12).fill(7)
    iv[0] = 0x01
    const v1Body = await symmetricBackend().aesGcmEncrypt(k.raw, iv, data, utf8_2ua('ctx'))
    const v1 = ua2b64(new Uint8Array([...iv, ...v1Body]))
    const e = await aesDecrypt(k, v1, 'ctx').catch((err: unknown) => err)
    expect(e).toBeInstanceOf(CryptoError)
    expect((e as CryptoError).code).toBe('UNSUPPORTED_VERSION')
    expect((e as CryptoError).message).toBe(
      'unsupported protocol version 1 (this SDK reads protocol version 2)',
    )
    // Refused whatever the key, and for every other first byte (a future version too).
    await expectCode(aesDecrypt(await generateAesKey(), v1, 'ctx'), 'UNSUPPORTED_VERSION')
    const current = b64_2ua(await aesEncrypt(k, data, 'ctx'))
    for (const version of [0, 1, 3, 0xff]) {
      current[0] = version
      const err = await aesDecrypt(k, ua2b64(current), 'ctx').catch((x: unknown) => x)
      expect((err as CryptoError).code).toBe('UNSUPPORTED_VERSION')
      expect((err as CryptoError).message).toContain(`unsupported protocol version ${version} `)
    }
    await expectCode(aesDecrypt(k, ua2b64(new Uint8Array([1])), 'ctx'), 'UNSUPPORTED_VERSION')
    await expectCode(aesDecrypt(k, ua2b64(new Uint8Array([2])), 'ctx'), 'CANNOT_DECRYPT')
  })

  it('wrong AAD, truncated or malformed input -> CANNOT_DECRYPT', async () => {
    const k = await generateAesKey()
    const c = await aesEncrypt(k, utf8_2ua('x'), 'ctx')
    await expectCode(aesDecrypt(k, c, 'other'), 'CANNOT_DECRYPT')
    await expectCode(aesDecrypt(k, ua2b64(b64_2ua(c).subarray(0, 20)), 'ctx'), 'CANNOT_DECRYPT')
    // One byte short of an empty plaintext's ciphertext, and without its last tag byte.
    await expectCode(aesDecrypt(k, ua2b64(b64_2ua(c).subarray(0, 28)), 'ctx'), 'CANNOT_DECRYPT')
    await expectCode(
      aesDecrypt(k, ua2b64(b64_2ua(c).subarray(0, b64_2ua(c).length - 1)), 'ctx'),
      'CANNOT_DECRYPT',
    )
    await expectCode(aesDecrypt(k, 'not base64!', 'ctx'), 'CANNOT_DECRYPT')
    await expectCode(aesDecrypt(k, '', 'ctx'), 'CANNOT_DECRYPT')
  })

  it('an AES key that is not 32 bytes -> BAD_KEY', async () => {
    const c = await aesEncrypt(await generateAesKey(), utf8_2ua('x'), 'ctx')
    await expectCode(aesEncrypt({ raw: new Uint8Array(16) }, utf8_2ua('x'), 'ctx'), 'BAD_KEY')
    await expectCode(aesDecrypt({ raw: new Uint8Array(16) }, c, 'ctx'), 'BAD_KEY')
    await expectCode(aesEncrypt(undefined as unknown as { raw: Uint8Array }, utf8_2ua('x'), 'ctx'), 'BAD_KEY')
  })

  it('AAD is mandatory', async () => {
    const k = await generateAesKey()
    await expectCode(aesEncrypt(k, utf8_2ua('x'), ''), 'BAD_INPUT')
    await expectCode(aesEncrypt(k, utf8_2ua('x'), undefined as unknown as string), 'BAD_INPUT')
  })
})

describe('AES-256-GCM across backends', () => {
  afterAll(() => setSymmetricBackendForTests(null))

  it('what one backend encrypts, the other decrypts (same key object and re-imported key)', async () => {
    const data = utf8_2ua('interop '.repeat(30))
    for (const [from, to] of [
      ['node', 'web'],
      ['web', 'node'],
    ] as const) {
      setSymmetricBackendForTests(from)
      const k = await generateAesKey()
      const c = await aesEncrypt(k, data, 'ctx')
      const self = await encryptSelf(k, 'patient', 'p1', { note: from })
      setSymmetricBackendForTests(to)
      expect(await aesDecrypt(k, c, 'ctx')).toEqual(data)
      expect(await aesDecrypt(await importAesKey(k.raw), c, 'ctx')).toEqual(data)
      expect(await decryptSelf(k, 'patient', 'p1', self)).toEqual({ note: from })
      await expectCode(aesDecrypt(k, c, 'other'), 'CANNOT_DECRYPT')
      await expectCode(aesDecrypt(k, flipByte(c, b64_2ua(c).length - 1), 'ctx'), 'CANNOT_DECRYPT')
    }
  })
})

describe.each(BACKENDS)('entity helpers (%s backend)', (backend) => {
  onBackend(backend)

  it('encryptSelf / decryptSelf round trip', async () => {
    const k = await generateAesKey()
    const fields = { note: 'allergic to penicillin', n: 3, nested: { a: [1, null] } }
    const c = await encryptSelf(k, 'patient', 'p1', fields)
    expect(await decryptSelf(k, 'patient', 'p1', c)).toEqual(fields)
  })

  it('encryptSelf is bound to the entity and detects tampering', async () => {
    const k = await generateAesKey()
    const c = await encryptSelf(k, 'patient', 'p1', { note: 'x' })
    await expectCode(decryptSelf(k, 'patient', 'p2', c), 'CANNOT_DECRYPT')
    await expectCode(decryptSelf(k, 'dataSample', 'p1', c), 'CANNOT_DECRYPT')
    await expectCode(decryptSelf(k, 'patient', 'p1', flipByte(c, 15)), 'CANNOT_DECRYPT')
    await expectCode(decryptSelf(await generateAesKey(), 'patient', 'p1', c), 'CANNOT_DECRYPT')
  })

  it('decryptSelf refuses authenticated content that is not a JSON object', async () => {
    const k = await generateAesKey()
    const c = await aesEncrypt(k, utf8_2ua('[1,2]'), selfAad('patient', 'p1'))
    await expectCode(decryptSelf(k, 'patient', 'p1', c), 'CANNOT_DECRYPT')
    await expectCode(encryptSelf(k, 'patient', 'p1', null as unknown as Record<string, unknown>), 'BAD_INPUT')
  })

  it('wrapValue / unwrapValue / unwrapString round trip', async () => {
    const xk = await generateAesKey()
    const entityKey = await generateAesKey()
    const wrappedKey = await wrapValue(xk, 'ek', 'dataSample', 'e1', 'd1', entityKey.raw)
    expect(await unwrapValue(xk, 'ek', 'dataSample', 'e1', 'd1', wrappedKey)).toEqual(entityKey.raw)
    const wrappedSid = await wrapValue(xk, 'sid', 'patient', 'p1', 'd1', 'secret-id')
    expect(await unwrapString(xk, 'sid', 'patient', 'p1', 'd1', wrappedSid)).toBe('secret-id')
  })

  it('a wrapped value moved to another entity, delegate, type or purpose -> CANNOT_DECRYPT', async () => {
    const xk = await generateAesKey()
    const w = await wrapValue(xk, 'fk', 'dataSample', 'e1', 'd1', 'patient-id')
    await expectCode(unwrapValue(xk, 'fk', 'dataSample', 'e2', 'd1', w), 'CANNOT_DECRYPT')
    await expectCode(unwrapValue(xk, 'fk', 'dataSample', 'e1', 'd2', w), 'CANNOT_DECRYPT')
    await expectCode(unwrapValue(xk, 'fk', 'healthcareElement', 'e1', 'd1', w), 'CANNOT_DECRYPT')
    await expectCode(unwrapValue(xk, 'sid', 'dataSample', 'e1', 'd1', w), 'CANNOT_DECRYPT')
    await expectCode(
      unwrapString(await generateAesKey(), 'fk', 'dataSample', 'e1', 'd1', w),
      'CANNOT_DECRYPT',
    )
  })
})

describe.each(BACKENDS)('random IVs (%s backend)', (backend) => {
  onBackend(backend)

  it('never repeat across many encryptions (pooled CSPRNG bytes are used once)', async () => {
    const key = await generateAesKey()
    const ivs = new Set<string>()
    for (let i = 0; i < 2000; i++) {
      const iv = b64_2ua(await aesEncrypt(key, new Uint8Array([1]), 'ctx')).subarray(IV_START, CT_START)
      ivs.add(ua2hex(iv))
    }
    expect(ivs.size).toBe(2000)
  })
})
