/** Async string key-value storage (MedTech `StorageFacade`). */
export interface StorageFacade<T> {
  getItem(key: string): Promise<T | undefined>
  setItem(key: string, value: T): Promise<void>
  removeItem(key: string): Promise<void>
}

/** Storage of key pairs as JWK (MedTech `KeyStorageFacade`). */
export interface KeyStorageFacade {
  getPublicKey(key: string): Promise<JsonWebKey | undefined>
  getPrivateKey(key: string): Promise<JsonWebKey | undefined>
  getKeypair(key: string): Promise<{ publicKey: JsonWebKey; privateKey: JsonWebKey } | undefined>
  deleteKeypair(key: string): Promise<void>
  storeKeyPair(key: string, keyPair: { publicKey: JsonWebKey; privateKey: JsonWebKey }): Promise<void>
}
