/** Async string key-value storage (MedTech `StorageFacade`). */
export interface StorageFacade<T> {
  getItem(key: string): Promise<T | undefined>
  setItem(key: string, value: T): Promise<void>
  removeItem(key: string): Promise<void>
}

/** A key pair as JWKs: the MedTech form, kept by KeyStorageImpl, FileKeyStorage and apps' own storages. */
export interface JwkKeyPair {
  publicKey: JsonWebKey
  privateKey: JsonWebKey
}

/** The private side of a key pair as CryptoKeys: RSA-OAEP/SHA-256 to decrypt, RSA-PSS/SHA-256 to sign. */
export interface PrivateCryptoKeys {
  decrypt: CryptoKey
  sign: CryptoKey
}

/**
 * A key pair whose private keys are (non-extractable) CryptoKeys, the form IndexedDbKeyStorage keeps:
 * the private key never exists as bytes or text in the storage.
 */
export interface CryptoKeyPairEntry {
  /** Hex SPKI public key. */
  publicKey: string
  privateKey: PrivateCryptoKeys
}

/** What a KeyStorageFacade keeps under one entry: a JWK pair, or a pair of CryptoKeys. */
export type StoredKeyPair = JwkKeyPair | CryptoKeyPairEntry

/**
 * Storage of key pairs (MedTech `KeyStorageFacade`). MedTech storages keep JWK pairs; Cairn's
 * IndexedDbKeyStorage keeps non-extractable CryptoKeys instead, hence the unions. The SDK reads and
 * writes entries through `loadStoredKeyPair` / `storeKeyPair` (crypto/stored-key-pair.ts), which
 * accept both forms.
 */
export interface KeyStorageFacade {
  getPublicKey(key: string): Promise<JsonWebKey | string | undefined>
  getPrivateKey(key: string): Promise<JsonWebKey | PrivateCryptoKeys | undefined>
  getKeypair(key: string): Promise<StoredKeyPair | undefined>
  deleteKeypair(key: string): Promise<void>
  storeKeyPair(key: string, keyPair: StoredKeyPair): Promise<void>
}
