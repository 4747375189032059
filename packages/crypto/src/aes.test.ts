import { describe, expect, it } from 'vitest'
import { exchangeKeySignedText, selfAad, wrapAad } from './aad.ts'
import { aesDecrypt, aesEncrypt, generateAesKey, importAesKey } from './aes.ts'
import { b64_2ua, ua2b64, ua2hex, utf8_2ua } from './binary.ts'
import { CryptoError } from './crypto-error.ts'
import { decryptSelf, encryptSelf, unwrapString, unwrapValue, wrapValue } from './entity-crypto.ts'

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

describe('AAD contexts', () => {
  it('have the exact v1 formats', () => {
    expect(selfAad('patient', 'p1')).toBe('cairn:v1:self:patient:p1')
    expect(wrapAad('ek', 'dataSample', 'e1', 'd1')).toBe('cairn:v1:ek:dataSample:e1:d1')
    expect(wrapAad('sid', 'patient', 'e1', 'd1')).toBe('cairn:v1:sid:patient:e1:d1')
    expect(wrapAad('fk', 'healthcareElement', 'e1', 'd1')).toBe('cairn:v1:fk:healthcareElement:e1:d1')
    expect(exchangeKeySignedText('a', 'b', 'ff00')).toBe('cairn:v1:xk:a:b:ff00')
  })

  it('refuse ambiguous or empty components and unknown purposes', () => {
    expect(() => selfAad('patient', 'a:b')).toThrow(CryptoError)
    expect(() => selfAad('', 'x')).toThrow(CryptoError)
    expect(() => wrapAad('xx' as 'ek', 'patient', 'e', 'd')).toThrow(CryptoError)
  })
})

describe('AES-256-GCM', () => {
  it('round trips with a fresh IV each time', async () => {
    const k = await generateAesKey()
    expect(k.raw.length).toBe(32)
    const data = utf8_2ua('secret medical content')
    const c1 = await aesEncrypt(k, data, 'ctx')
    const c2 = await aesEncrypt(k, data, 'ctx')
    expect(c1).not.toBe(c2)
    expect(b64_2ua(c1).length).toBe(12 + data.length + 16)
    expect(await aesDecrypt(k, c1, 'ctx')).toEqual(data)
    expect(await aesDecrypt(await importAesKey(k.raw), c2, 'ctx')).toEqual(data)
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

  it('any flipped byte (IV, ciphertext, tag) -> CANNOT_DECRYPT', async () => {
    const k = await generateAesKey()
    const c = await aesEncrypt(k, utf8_2ua('hello world'), 'ctx')
    const len = b64_2ua(c).length
    for (const i of [0, 11, 12, 20, len - 1])
      await expectCode(aesDecrypt(k, flipByte(c, i), 'ctx'), 'CANNOT_DECRYPT')
  })

  it('wrong AAD, truncated or malformed input -> CANNOT_DECRYPT', async () => {
    const k = await generateAesKey()
    const c = await aesEncrypt(k, utf8_2ua('x'), 'ctx')
    await expectCode(aesDecrypt(k, c, 'other'), 'CANNOT_DECRYPT')
    await expectCode(aesDecrypt(k, ua2b64(b64_2ua(c).subarray(0, 20)), 'ctx'), 'CANNOT_DECRYPT')
    await expectCode(aesDecrypt(k, 'not base64!', 'ctx'), 'CANNOT_DECRYPT')
    await expectCode(aesDecrypt(k, '', 'ctx'), 'CANNOT_DECRYPT')
  })

  it('AAD is mandatory', async () => {
    const k = await generateAesKey()
    await expectCode(aesEncrypt(k, utf8_2ua('x'), ''), 'BAD_INPUT')
    await expectCode(aesEncrypt(k, utf8_2ua('x'), undefined as unknown as string), 'BAD_INPUT')
  })
})

describe('entity helpers', () => {
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

describe('random IVs', () => {
  it('never repeat across many encryptions (pooled CSPRNG bytes are used once)', async () => {
    const key = await generateAesKey()
    const ivs = new Set<string>()
    for (let i = 0; i < 2000; i++) {
      const iv = b64_2ua(await aesEncrypt(key, new Uint8Array([1]), 'ctx')).subarray(0, 12)
      ivs.add(ua2hex(iv))
    }
    expect(ivs.size).toBe(2000)
  })
})
