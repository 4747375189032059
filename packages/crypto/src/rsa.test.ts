import { beforeAll, describe, expect, it } from 'vitest'
import { b64_2ua, ua2b64, ua2hex, utf8_2ua } from './binary.ts'
import { CryptoError } from './crypto-error.ts'
import { fingerprintOf } from './fingerprint.ts'
import {
  generateKeyPairHex,
  importKeyPair,
  keyPairFromCryptoKeys,
  type KeyPairHandle,
  type KeyPairHex,
} from './key-pair.ts'
import { importPublicKey } from './public-key.ts'
import { rsaOperationCount, resetRsaOperationCount } from './rsa-counter.ts'
import { rsaDecrypt, rsaEncrypt, rsaSign, rsaVerify } from './rsa.ts'
import { PROTOCOL_VERSION } from './version.ts'

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
    expect(again.fingerprint).toBe(a.fingerprint)
  })

  it('keeps no copy of the private key: no privateKeyHex, non-extractable private keys, still usable', async () => {
    expect('privateKeyHex' in a).toBe(false)
    expect(Object.keys(a).sort()).toEqual([
      'decryptKey',
      'encryptKey',
      'fingerprint',
      'publicKeyHex',
      'signKey',
      'verifyKey',
    ])
    expect(JSON.stringify(a)).not.toContain(hexA.privateKey.slice(-64))
    await expect(crypto.subtle.exportKey('pkcs8', a.decryptKey)).rejects.toThrow()
    await expect(crypto.subtle.exportKey('jwk', a.signKey)).rejects.toThrow()
    const secret = crypto.getRandomValues(new Uint8Array(32))
    expect(await rsaDecrypt(a, await rsaEncrypt(a, secret))).toEqual(secret)
    const data = utf8_2ua('no private key hex')
    expect(await rsaVerify(a, data, await rsaSign(a, data))).toBe(true)
  })

  it('builds a handle from CryptoKeys without exporting them (keyPairFromCryptoKeys)', async () => {
    const h = await keyPairFromCryptoKeys(hexA.publicKey, a.decryptKey, a.signKey)
    expect(h.fingerprint).toBe(a.fingerprint)
    expect(h.publicKeyHex).toBe(hexA.publicKey)
    expect(h.decryptKey).toBe(a.decryptKey)
    expect(h.signKey).toBe(a.signKey)
    expect('privateKeyHex' in h).toBe(false)
    // Round trips with the other handle's public side and with its own.
    const secret = crypto.getRandomValues(new Uint8Array(32))
    expect(await rsaDecrypt(h, await rsaEncrypt(a, secret))).toEqual(secret)
    expect(await rsaDecrypt(a, await rsaEncrypt(h, secret))).toEqual(secret)
    const data = utf8_2ua('cairn:v1:xk:a:b:01')
    expect(await rsaVerify(a, data, await rsaSign(h, data))).toBe(true)
    expect(await rsaVerify(h, data, await rsaSign(a, data))).toBe(true)
  })

  it('keyPairFromCryptoKeys refuses keys of the wrong kind, usage or size', async () => {
    // Swapped algorithms, public keys in place of private ones, a bad public key.
    await expectCode(keyPairFromCryptoKeys(hexA.publicKey, a.signKey, a.decryptKey), 'BAD_KEY')
    await expectCode(keyPairFromCryptoKeys(hexA.publicKey, a.encryptKey, a.signKey), 'BAD_KEY')
    await expectCode(keyPairFromCryptoKeys(hexA.publicKey, a.decryptKey, a.verifyKey), 'BAD_KEY')
    await expectCode(keyPairFromCryptoKeys('abcd', a.decryptKey, a.signKey), 'BAD_KEY')
    // A SHA-1 OAEP key (the MedTech parameters) is not the protocol's.
    const sha1 = await crypto.subtle.importKey(
      'pkcs8',
      Buffer.from(hexA.privateKey, 'hex'),
      { name: 'RSA-OAEP', hash: 'SHA-1' },
      false,
      ['decrypt'],
    )
    await expectCode(keyPairFromCryptoKeys(hexA.publicKey, sha1, a.signKey), 'BAD_KEY')
    // A private key of another size than the public key.
    const big = await crypto.subtle.generateKey(
      { name: 'RSA-PSS', hash: 'SHA-256', modulusLength: 3072, publicExponent: new Uint8Array([1, 0, 1]) },
      false,
      ['sign', 'verify'],
    )
    await expectCode(keyPairFromCryptoKeys(hexA.publicKey, a.decryptKey, big.privateKey), 'BAD_KEY')
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
  it('OAEP round trip; output is version ‖ RSA ciphertext; other key or tampering -> CANNOT_DECRYPT', async () => {
    const secret = crypto.getRandomValues(new Uint8Array(32))
    const c = await rsaEncrypt(b, secret)
    const bytes = b64_2ua(c)
    expect(bytes.length).toBe(1 + 256)
    expect(bytes[0]).toBe(PROTOCOL_VERSION)
    expect(await rsaDecrypt(b, c)).toEqual(secret)
    await expectCode(rsaDecrypt(a, c), 'CANNOT_DECRYPT')
    for (const i of [1, 10, bytes.length - 1]) {
      const tampered = b64_2ua(c)
      tampered[i] ^= 1
      await expectCode(rsaDecrypt(b, ua2b64(tampered)), 'CANNOT_DECRYPT')
    }
    await expectCode(rsaDecrypt(b, ua2b64(bytes.subarray(0, 200))), 'CANNOT_DECRYPT')
    await expectCode(rsaDecrypt(b, ua2b64(new Uint8Array([PROTOCOL_VERSION]))), 'CANNOT_DECRYPT')
    await expectCode(rsaDecrypt(b, '%%%'), 'CANNOT_DECRYPT')
    await expectCode(rsaDecrypt(b, ''), 'CANNOT_DECRYPT')
  })

  it('a ciphertext of another protocol version -> UNSUPPORTED_VERSION, without any RSA operation', async () => {
    const secret = crypto.getRandomValues(new Uint8Array(32))
    // Protocol v1: the bare RSA-OAEP ciphertext. Its first byte is random; retry the rare 0x02.
    let v1: Uint8Array
    do {
      v1 = new Uint8Array(await crypto.subtle.encrypt({ name: 'RSA-OAEP' }, b.encryptKey, secret))
    } while (v1[0] === PROTOCOL_VERSION)
    resetRsaOperationCount()
    const e = await rsaDecrypt(b, ua2b64(v1)).catch((err: unknown) => err)
    expect(e).toBeInstanceOf(CryptoError)
    expect((e as CryptoError).code).toBe('UNSUPPORTED_VERSION')
    expect((e as CryptoError).message).toBe(
      `unsupported protocol version ${v1[0]} (this SDK reads protocol version 2)`,
    )
    const current = b64_2ua(await rsaEncrypt(b, secret))
    resetRsaOperationCount()
    for (const version of [0, 1, 3, 0xff]) {
      current[0] = version
      await expectCode(rsaDecrypt(b, ua2b64(current)), 'UNSUPPORTED_VERSION')
    }
    expect(rsaOperationCount()).toBe(0)
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
