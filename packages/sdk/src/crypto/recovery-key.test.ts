import { beforeAll, describe, expect, it } from 'vitest'
import { generateKeyPairHex, importKeyPair, type KeyPairHandle, type KeyPairHex } from '@cairn/crypto'
import { SdkError } from '../http/sdk-error.ts'
import { KeyStorageImpl } from '../storage/key-storage-impl.ts'
import { MemoryStorage } from '../storage/memory-storage.ts'
import type { KeyStorageFacade, StoredKeyPair } from '../storage/storage-facade.ts'
import { keyPairToJwk } from './key-format.ts'
import { keyEntry } from './own-keys.ts'
import { exportOwnPairs, readRecoveryCode } from './recovery-key.ts'

const SELF = '5b6c7d8e-9f01-4a2b-8c3d-4e5f6a7b8c9d'

/** A key storage holding whatever it is given, CryptoKeys included, as IndexedDbKeyStorage does. */
class ObjectKeyStorage implements KeyStorageFacade {
  readonly items = new Map<string, StoredKeyPair>()
  getKeypair(key: string) {
    return Promise.resolve(this.items.get(key))
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

/** The SdkError a call rejects with (the test fails if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<SdkError> {
  const e = await promise.then(
    () => undefined,
    (err: unknown) => err,
  )
  expect(e).toBeInstanceOf(SdkError)
  return e as SdkError
}

describe('the pairs a recovery key holds', () => {
  let a: KeyPairHex
  let b: KeyPairHex
  let ha: KeyPairHandle
  let hb: KeyPairHandle

  beforeAll(async () => {
    ;[a, b] = await Promise.all([generateKeyPairHex(), generateKeyPairHex()])
    ;[ha, hb] = await Promise.all([importKeyPair(a), importKeyPair(b)])
  })

  it('are read from a key storage that keeps JWKs, as hex PKCS#8 / SPKI', async () => {
    const keyStorage = new KeyStorageImpl(new MemoryStorage())
    await keyStorage.storeKeyPair(keyEntry(SELF, ha.fingerprint), await keyPairToJwk(a))
    await keyStorage.storeKeyPair(keyEntry(SELF, hb.fingerprint), await keyPairToJwk(b))
    const pairs = await exportOwnPairs({ selfId: SELF, ownKeys: [ha, hb], keyStorage, strategies: {} })
    expect(pairs.map((p) => p.publicKey)).toEqual([ha.publicKeyHex, hb.publicKeyHex])
    // The same keys (the PKCS#8 encoding may differ in form, not in key).
    for (const [i, p] of pairs.entries()) {
      expect((await importKeyPair(p)).fingerprint).toBe([ha, hb][i].fingerprint)
    }
  })

  it('come from the crypto strategies when the storage keeps non-extractable keys', async () => {
    const keyStorage = new ObjectKeyStorage()
    keyStorage.items.set(keyEntry(SELF, ha.fingerprint), {
      publicKey: ha.publicKeyHex,
      privateKey: { decrypt: ha.decryptKey, sign: ha.signKey },
    })
    const pairs = await exportOwnPairs({
      selfId: SELF,
      ownKeys: [ha],
      keyStorage,
      strategies: { keyPairs: [], generatedKeyPair: a },
    })
    expect(pairs).toEqual([{ publicKey: ha.publicKeyHex, privateKey: a.privateKey }])
  })

  it('never silently leave a key out: a key that cannot be exported is an error naming it', async () => {
    const keyStorage = new ObjectKeyStorage()
    for (const h of [ha, hb])
      keyStorage.items.set(keyEntry(SELF, h.fingerprint), {
        publicKey: h.publicKeyHex,
        privateKey: { decrypt: h.decryptKey, sign: h.signKey },
      })
    const e = await rejection(
      exportOwnPairs({ selfId: SELF, ownKeys: [ha, hb], keyStorage, strategies: { keyPairs: [a] } }),
    )
    expect(e.code).toBe('FORBIDDEN')
    expect(e.message).toContain(hb.fingerprint)
    expect(e.message).not.toContain(ha.fingerprint)
    expect(e.message).toContain('non-extractable')
  })
})

describe('reading a recovery code', () => {
  it('turns a mistyped code into an SdkError BAD_REQUEST for the person, with no status', async () => {
    const e = await rejection(readRecoveryCode('0000-0000-0000-0000-0000-0000-00J8'))
    expect(e.code).toBe('BAD_REQUEST')
    expect(e.status).toBe(0)
    expect(e.message).toMatch(/^This is not a valid recovery key: .*check the characters$/)
    expect(await readRecoveryCode('0000 0000 0000 0000 0000 0000 00j7')).toEqual(new Uint8Array(15))
  })
})
