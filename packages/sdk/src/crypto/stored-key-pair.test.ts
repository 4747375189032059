import { beforeAll, describe, expect, it, vi } from 'vitest'
import {
  fingerprintOf,
  generateKeyPairHex,
  hex2ua,
  resetRsaOperationCount,
  rsaDecrypt,
  rsaEncrypt,
  rsaOperationCount,
  rsaSign,
  rsaVerify,
  utf8_2ua,
  type KeyPairHandle,
  type KeyPairHex,
} from '@cairn/crypto'
import { SdkError } from '../http/sdk-error.ts'
import { IndexedDbKeyStorage } from '../storage/indexed-db-key-storage.ts'
import { KeyStorageImpl } from '../storage/key-storage-impl.ts'
import { MemoryStorage } from '../storage/memory-storage.ts'
import type { CryptoKeyPairEntry, KeyStorageFacade, StoredKeyPair } from '../storage/storage-facade.ts'
import { keyPairToJwk } from './key-format.ts'
import { loadStoredKeyPair, storeKeyPair } from './stored-key-pair.ts'

/** A key storage holding whatever it is given, as it is (CryptoKeys included), like IndexedDB does. */
class ObjectKeyStorage implements KeyStorageFacade {
  readonly items = new Map<string, unknown>()
  getKeypair(key: string) {
    return Promise.resolve(this.items.get(key) as StoredKeyPair | undefined)
  }
  async getPublicKey(key: string) {
    return (await this.getKeypair(key))?.publicKey
  }
  async getPrivateKey(key: string) {
    return (await this.getKeypair(key))?.privateKey
  }
  deleteKeypair(key: string) {
    this.items.delete(key)
    return Promise.resolve()
  }
  storeKeyPair(key: string, pair: StoredKeyPair) {
    this.items.set(key, pair)
    return Promise.resolve()
  }
}

const OAEP = { name: 'RSA-OAEP', hash: 'SHA-256' }
const PSS = { name: 'RSA-PSS', hash: 'SHA-256' }

/** The CryptoKey form of a pair: non-extractable private keys, as IndexedDbKeyStorage keeps them. */
async function cryptoKeyEntry(pair: KeyPairHex): Promise<CryptoKeyPairEntry> {
  const [decrypt, sign] = await Promise.all([
    crypto.subtle.importKey('pkcs8', hex2ua(pair.privateKey), OAEP, false, ['decrypt']),
    crypto.subtle.importKey('pkcs8', hex2ua(pair.privateKey), PSS, false, ['sign']),
  ])
  return { publicKey: pair.publicKey, privateKey: { decrypt, sign } }
}

async function expectUsable(h: KeyPairHandle, pair: KeyPairHex): Promise<void> {
  expect(h.publicKeyHex).toBe(pair.publicKey)
  expect(h.fingerprint).toBe(await fingerprintOf(pair.publicKey))
  expect('privateKeyHex' in h).toBe(false)
  expect(h.decryptKey.extractable).toBe(false)
  expect(h.signKey.extractable).toBe(false)
  const secret = crypto.getRandomValues(new Uint8Array(32))
  expect(await rsaDecrypt(h, await rsaEncrypt(h, secret))).toEqual(secret)
  const data = utf8_2ua('stored key pair')
  expect(await rsaVerify(h, data, await rsaSign(h, data))).toBe(true)
}

async function corruptError(p: Promise<unknown>): Promise<SdkError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  )
  expect(e).toBeInstanceOf(SdkError)
  return e as SdkError
}

let a: KeyPairHex
let b: KeyPairHex

beforeAll(async () => {
  ;[a, b] = await Promise.all([generateKeyPairHex(), generateKeyPairHex()])
})

describe('stored key pairs', () => {
  it('a missing entry is undefined, in either kind of storage', async () => {
    expect(await loadStoredKeyPair(new KeyStorageImpl(new MemoryStorage()), 'none')).toBeUndefined()
    expect(await loadStoredKeyPair(new ObjectKeyStorage(), 'none')).toBeUndefined()
  })

  it('JWK form: storeKeyPair writes JWKs to a JSON storage, loadStoredKeyPair imports them without RSA work', async () => {
    const storage = new MemoryStorage()
    const keys = new KeyStorageImpl(storage)
    await storeKeyPair(keys, 'e', a)
    const raw = JSON.parse((await storage.getItem('e'))!) as { publicKey: JsonWebKey; privateKey: JsonWebKey }
    expect(raw.publicKey).toMatchObject({ kty: 'RSA', e: 'AQAB' })
    expect(raw.privateKey).toMatchObject({ kty: 'RSA', n: raw.publicKey.n })
    expect(typeof raw.privateKey.d).toBe('string')
    resetRsaOperationCount()
    const h = await loadStoredKeyPair(keys, 'e')
    expect(rsaOperationCount()).toBe(0)
    await expectUsable(h!, a)
  })

  it('JWK form as MedTech apps stored it (alg RSA-OAEP, key_ops) loads too', async () => {
    const keys = new ObjectKeyStorage()
    const jwk = await keyPairToJwk(a)
    keys.items.set('medtech', {
      publicKey: { ...jwk.publicKey, alg: 'RSA-OAEP', key_ops: ['encrypt'] },
      privateKey: { ...jwk.privateKey, alg: 'RSA-OAEP', key_ops: ['decrypt'] },
    })
    await expectUsable((await loadStoredKeyPair(keys, 'medtech'))!, a)
  })

  it('CryptoKey form: used as stored, never exported', async () => {
    const keys = new ObjectKeyStorage()
    const entry = await cryptoKeyEntry(a)
    keys.items.set('ck', entry)
    const exportKey = vi.spyOn(crypto.subtle, 'exportKey')
    try {
      resetRsaOperationCount()
      const h = await loadStoredKeyPair(keys, 'ck')
      expect(rsaOperationCount()).toBe(0)
      expect(h!.decryptKey).toBe(entry.privateKey.decrypt)
      expect(h!.signKey).toBe(entry.privateKey.sign)
      // Only the public key is exported (the canonical-SPKI check of importPublicKey).
      for (const [, key] of exportKey.mock.calls) expect(key.type).toBe('public')
      await expectUsable(h!, a)
    } finally {
      exportKey.mockRestore()
    }
  })

  it('storeKeyPair gives an IndexedDbKeyStorage non-extractable CryptoKeys, and checks the pair first', async () => {
    const stored = new Map<string, StoredKeyPair>()
    // An IndexedDbKeyStorage whose database is a map (IndexedDB itself is tested in a real browser).
    const idb = Object.assign(Object.create(IndexedDbKeyStorage.prototype) as IndexedDbKeyStorage, {
      storeKeyPair: (k: string, p: StoredKeyPair) => Promise.resolve(void stored.set(k, p)),
      getKeypair: (k: string) => Promise.resolve(stored.get(k)),
    })
    await storeKeyPair(idb, 'x', a)
    const entry = stored.get('x') as CryptoKeyPairEntry
    expect(entry.publicKey).toBe(a.publicKey)
    expect(Object.keys(entry.privateKey).sort()).toEqual(['decrypt', 'sign'])
    expect(entry.privateKey.decrypt).toMatchObject({
      type: 'private',
      extractable: false,
      usages: ['decrypt'],
    })
    expect(entry.privateKey.decrypt.algorithm).toMatchObject({ name: 'RSA-OAEP', hash: { name: 'SHA-256' } })
    expect(entry.privateKey.sign).toMatchObject({ type: 'private', extractable: false, usages: ['sign'] })
    expect(entry.privateKey.sign.algorithm).toMatchObject({ name: 'RSA-PSS', hash: { name: 'SHA-256' } })
    await expect(crypto.subtle.exportKey('pkcs8', entry.privateKey.decrypt)).rejects.toThrow()
    await expectUsable((await loadStoredKeyPair(idb, 'x'))!, a)
    await expect(
      storeKeyPair(idb, 'y', { privateKey: a.privateKey, publicKey: b.publicKey }),
    ).rejects.toThrow(/does not match/)
    expect(stored.has('y')).toBe(false)
  })

  it('corrupt entries reject with an SdkError naming the entry', async () => {
    const storage = new MemoryStorage()
    const json = new KeyStorageImpl(storage)
    await storage.setItem('notjson', '{"publicKey":')
    expect((await corruptError(loadStoredKeyPair(json, 'notjson'))).message).toMatch(
      /entry notjson is corrupt: it is not JSON/,
    )
    await storage.setItem('half', JSON.stringify({ publicKey: { kty: 'RSA' } }))
    expect((await corruptError(loadStoredKeyPair(json, 'half'))).message).toMatch(/entry half is corrupt/)

    const keys = new ObjectKeyStorage()
    const jwkA = await keyPairToJwk(a)
    const jwkB = await keyPairToJwk(b)
    keys.items.set('mismatch', { publicKey: jwkB.publicKey, privateKey: jwkA.privateKey })
    expect((await corruptError(loadStoredKeyPair(keys, 'mismatch'))).message).toMatch(
      /entry mismatch is corrupt: .*does not match/,
    )
    keys.items.set('garbage', { publicKey: { kty: 'RSA', n: 'AA', e: 'AQAB' }, privateKey: { kty: 'RSA' } })
    expect((await corruptError(loadStoredKeyPair(keys, 'garbage'))).message).toMatch(
      /entry garbage is corrupt/,
    )
    keys.items.set('neither', { foo: 1 })
    expect((await corruptError(loadStoredKeyPair(keys, 'neither'))).message).toMatch(
      /entry neither is corrupt: it is neither a JWK pair/,
    )
    const ck = await cryptoKeyEntry(a)
    keys.items.set('swapped', {
      publicKey: a.publicKey,
      privateKey: { decrypt: ck.privateKey.sign, sign: ck.privateKey.decrypt },
    })
    expect((await corruptError(loadStoredKeyPair(keys, 'swapped'))).message).toMatch(
      /entry swapped is corrupt/,
    )
    keys.items.set('badpub', { publicKey: 'zz', privateKey: ck.privateKey })
    expect((await corruptError(loadStoredKeyPair(keys, 'badpub'))).message).toMatch(/entry badpub is corrupt/)
  })
})
