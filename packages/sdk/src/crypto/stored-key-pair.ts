import { importKeyPair, keyPairFromCryptoKeys, type KeyPairHandle, type KeyPairHex } from '@cairn/crypto'
import { SdkError } from '../http/sdk-error.ts'
import { IndexedDbKeyStorage } from '../storage/indexed-db-key-storage.ts'
import { isCryptoKeyPairEntry, isJwkKeyPair } from '../storage/key-pair-entry.ts'
import type { KeyStorageFacade } from '../storage/storage-facade.ts'
import { jwkToKeyPair, keyPairToJwk } from './key-format.ts'

/**
 * Loads the key pair stored under `entry`, ready to use. Accepts both forms a KeyStorageFacade may
 * hold: the JWK pair `{publicKey, privateKey}` (KeyStorageImpl, FileKeyStorage, MedTech apps' storages),
 * checked and imported with non-extractable private keys; and the CryptoKey pair
 * `{publicKey: <hex SPKI>, privateKey: {decrypt, sign}}` (IndexedDbKeyStorage), used as stored, without
 * exporting anything. Undefined when the entry is missing; rejects with an SdkError naming the entry
 * when it is corrupt (unreadable, of neither form, or keys that are unusable or do not match).
 */
export async function loadStoredKeyPair(
  keyStorage: KeyStorageFacade,
  entry: string,
): Promise<KeyPairHandle | undefined> {
  const stored: unknown = await keyStorage.getKeypair(entry)
  if (stored === undefined || stored === null) return undefined
  try {
    if (isCryptoKeyPairEntry(stored)) {
      return await keyPairFromCryptoKeys(stored.publicKey, stored.privateKey.decrypt, stored.privateKey.sign)
    }
    if (isJwkKeyPair(stored)) return await importKeyPair(await jwkToKeyPair(stored))
  } catch (e) {
    throw new SdkError('INTERNAL', `Key storage entry ${entry} is corrupt: ${(e as Error).message}`, {
      cause: e,
    })
  }
  throw new SdkError(
    'INTERNAL',
    `Key storage entry ${entry} is corrupt: it is neither a JWK pair {publicKey, privateKey} nor {publicKey: <hex SPKI>, privateKey: {decrypt, sign}}`,
  )
}

/**
 * Stores a key pair (hex PKCS#8 / SPKI) under `entry`: an IndexedDbKeyStorage gets non-extractable
 * CryptoKeys (the pair is checked, then the PKCS#8 is imported with extractable = false), every other
 * storage the JWK pair MedTech storages expect.
 */
export async function storeKeyPair(
  keyStorage: KeyStorageFacade,
  entry: string,
  pair: KeyPairHex,
): Promise<void> {
  if (keyStorage instanceof IndexedDbKeyStorage) {
    const h = await importKeyPair(pair)
    await keyStorage.storeKeyPair(entry, {
      publicKey: h.publicKeyHex,
      privateKey: { decrypt: h.decryptKey, sign: h.signKey },
    })
    return
  }
  await keyStorage.storeKeyPair(entry, await keyPairToJwk(pair))
}
