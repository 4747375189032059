import { beforeAll, describe, expect, it } from 'vitest'
import { b64_2ua, ua2b64, ua2hex, utf8_2ua } from './binary.ts'
import { CryptoError } from './crypto-error.ts'
import { fingerprintOf } from './fingerprint.ts'
import { generateKeyPairHex, importKeyPair, type KeyPairHandle, type KeyPairHex } from './key-pair.ts'
import { importPublicKey } from './public-key.ts'
import { rsaOperationCount, resetRsaOperationCount } from './rsa-counter.ts'
import { rsaDecrypt, rsaEncrypt, rsaSign, rsaVerify } from './rsa.ts'

async function expectCode(p: Promise<unknown>, code: CryptoError['code']): Promise<void> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  )
  expect(e).toBeInstanceOf(CryptoError)
  expect((e as CryptoError).code).toBe(code)
}

// RSA key generation is slow: three pairs for the whole file.
let hexA: KeyPairHex
let hexB: KeyPairHex
let a: KeyPairHandle
let b: KeyPairHandle

beforeAll(async () => {
  resetRsaOperationCount()
  ;[hexA, hexB] = await Promise.all([generateKeyPairHex(), generateKeyPairHex()])
  expect(rsaOperationCount()).toBe(2)
  ;[a, b] = await Promise.all([importKeyPair(hexA), importKeyPair(hexB)])
})

describe('key pairs', () => {
  it('generates hex PKCS#8 / SPKI of a 2048-bit key with e = 65537', () => {
    expect(hexA.privateKey).toMatch(/^[0-9a-f]+$/)
    expect(hexA.publicKey).toMatch(/^[0-9a-f]+$/)
    // DER SPKI of RSA 2048 is 294 bytes.
    expect(hexA.publicKey.length).toBe(294 * 2)
    expect(a.encryptKey.algorithm).toMatchObject({ name: 'RSA-OAEP', modulusLength: 2048 })
    expect(a.signKey.algorithm).toMatchObject({ name: 'RSA-PSS', modulusLength: 2048 })
    expect(Array.from((a.verifyKey.algorithm as RsaHashedKeyAlgorithm).publicExponent)).toEqual([1, 0, 1])
    expect(a.decryptKey.extractable).toBe(false)
    expect(a.signKey.extractable).toBe(false)
  })

  it('fingerprints are 32 hex chars, stable, and distinct per key', async () => {
    expect(a.fingerprint).toMatch(/^[0-9a-f]{32}$/)
    expect(await fingerprintOf(hexA.publicKey)).toBe(a.fingerprint)
    expect(await fingerprintOf(hexA.publicKey.toUpperCase())).toBe(a.fingerprint)
    expect((await importPublicKey(hexA.publicKey)).fingerprint).toBe(a.fingerprint)
    expect(b.fingerprint).not.toBe(a.fingerprint)
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', Buffer.from(hexA.publicKey, 'hex')))
    expect(a.fingerprint).toBe(ua2hex(digest.subarray(0, 16)))
    await expectCode(fingerprintOf('xyz'), 'BAD_KEY')
    await expectCode(fingerprintOf(''), 'BAD_KEY')
  })

  it('re-imports to the same handle data', async () => {
    const again = await importKeyPair({
      privateKey: hexA.privateKey.toUpperCase(),
      publicKey: hexA.publicKey,
    })
    expect(again.publicKeyHex).toBe(hexA.publicKey)
    expect(again.privateKeyHex).toBe(hexA.privateKey)
    expect(again.fingerprint).toBe(a.fingerprint)
  })

  it('rejects a mismatched pair', async () => {
    await expectCode(importKeyPair({ privateKey: hexA.privateKey, publicKey: hexB.publicKey }), 'BAD_KEY')
  })

  it('rejects garbage and swapped keys', async () => {
    await expectCode(importPublicKey('zz'), 'BAD_KEY')
    await expectCode(importPublicKey('abcd'), 'BAD_KEY')
    await expectCode(importPublicKey(''), 'BAD_KEY')
    await expectCode(importPublicKey(hexA.privateKey), 'BAD_KEY')
    await expectCode(importPublicKey(hexA.publicKey + '00'), 'BAD_KEY')
    await expectCode(importKeyPair({ privateKey: 'abcd', publicKey: hexA.publicKey }), 'BAD_KEY')
    await expectCode(importKeyPair({ privateKey: hexA.publicKey, publicKey: hexA.publicKey }), 'BAD_KEY')
    await expectCode(importKeyPair({ privateKey: hexA.privateKey, publicKey: 'nothex' }), 'BAD_KEY')
  })

  it('rejects keys shorter than 2048 bits and non-RSA keys', async () => {
    const weak = await crypto.subtle.generateKey(
      { name: 'RSA-OAEP', hash: 'SHA-256', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]) },
      true,
      ['encrypt', 'decrypt'],
    )
    const weakSpki = ua2hex(await crypto.subtle.exportKey('spki', weak.publicKey))
    await expectCode(importPublicKey(weakSpki), 'BAD_KEY')
    const ec = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
      'sign',
      'verify',
    ])
    await expectCode(importPublicKey(ua2hex(await crypto.subtle.exportKey('spki', ec.publicKey))), 'BAD_KEY')
  })
})

describe('RSA operations', () => {
  it('OAEP round trip; other key or tampering -> CANNOT_DECRYPT', async () => {
    const secret = crypto.getRandomValues(new Uint8Array(32))
    const c = await rsaEncrypt(b, secret)
    expect(await rsaDecrypt(b, c)).toEqual(secret)
    await expectCode(rsaDecrypt(a, c), 'CANNOT_DECRYPT')
    const tampered = b64_2ua(c)
    tampered[10] ^= 1
    await expectCode(rsaDecrypt(b, ua2b64(tampered)), 'CANNOT_DECRYPT')
    await expectCode(rsaDecrypt(b, '%%%'), 'CANNOT_DECRYPT')
  })

  it('refuses a plaintext larger than OAEP can carry', async () => {
    await rsaEncrypt(a, new Uint8Array(190))
    await expectCode(rsaEncrypt(a, new Uint8Array(191)), 'BAD_INPUT')
  })

  it('PSS sign / verify', async () => {
    const data = utf8_2ua('cairn:v1:xk:a:b:00')
    const sig = await rsaSign(a, data)
    expect(await rsaVerify(a, data, sig)).toBe(true)
    expect(await rsaVerify(b, data, sig)).toBe(false)
    expect(await rsaVerify(a, utf8_2ua('cairn:v1:xk:a:c:00'), sig)).toBe(false)
    expect(await rsaVerify(a, data, 'not base64!')).toBe(false)
    expect(await rsaVerify(a, data, ua2b64(new Uint8Array(256)))).toBe(false)
  })

  it('the counter counts every RSA operation and resets', async () => {
    resetRsaOperationCount()
    expect(rsaOperationCount()).toBe(0)
    const c = await rsaEncrypt(a, new Uint8Array(32))
    await rsaDecrypt(a, c)
    const sig = await rsaSign(a, new Uint8Array(1))
    await rsaVerify(a, new Uint8Array(1), sig)
    expect(rsaOperationCount()).toBe(4)
    // Imports and fingerprints are not RSA operations.
    await importKeyPair(hexB)
    expect(rsaOperationCount()).toBe(4)
    resetRsaOperationCount()
    expect(rsaOperationCount()).toBe(0)
  })
})
