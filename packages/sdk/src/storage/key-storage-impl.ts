import type { KeyStorageFacade, StorageFacade } from './storage-facade.ts'

/** Key pairs as JSON `{publicKey, privateKey}` (JWK) in a StorageFacade. */
export class KeyStorageImpl implements KeyStorageFacade {
  constructor(private readonly storage: StorageFacade<string>) {}

  /** The pair stored under `key`, or undefined. */
  async getKeypair(key: string): Promise<{ publicKey: JsonWebKey; privateKey: JsonWebKey } | undefined> {
    const raw = await this.storage.getItem(key)
    if (!raw) return undefined
    const parsed = JSON.parse(raw) as { publicKey?: JsonWebKey; privateKey?: JsonWebKey }
    return parsed.publicKey && parsed.privateKey
      ? { publicKey: parsed.publicKey, privateKey: parsed.privateKey }
      : undefined
  }

  /** The public half stored under `key`. */
  async getPublicKey(key: string): Promise<JsonWebKey | undefined> {
    return (await this.getKeypair(key))?.publicKey
  }

  /** The private half stored under `key`. */
  async getPrivateKey(key: string): Promise<JsonWebKey | undefined> {
    return (await this.getKeypair(key))?.privateKey
  }

  /** Removes the pair under `key`. */
  async deleteKeypair(key: string): Promise<void> {
    await this.storage.removeItem(key)
  }

  /** Stores a pair under `key`. */
  async storeKeyPair(key: string, keyPair: { publicKey: JsonWebKey; privateKey: JsonWebKey }): Promise<void> {
    await this.storage.setItem(key, JSON.stringify(keyPair))
  }
}
