import { SdkError } from '../http/sdk-error.ts'
import { assertJwkKeyPair, isJwkKeyPair } from './key-pair-entry.ts'
import type { JwkKeyPair, KeyStorageFacade, StorageFacade } from './storage-facade.ts'

/** Key pairs as JSON `{publicKey, privateKey}` (JWK) in a StorageFacade. */
export class KeyStorageImpl implements KeyStorageFacade {
  constructor(private readonly storage: StorageFacade<string>) {}

  /** The pair stored under `key`, or undefined; rejects with an SdkError when the entry is not a JWK pair. */
  async getKeypair(key: string): Promise<JwkKeyPair | undefined> {
    const raw = await this.storage.getItem(key)
    if (!raw) return undefined
    let parsed: unknown
    try {
      parsed = JSON.parse(raw)
    } catch (e) {
      throw new SdkError('INTERNAL', `Key storage entry ${key} is corrupt: it is not JSON`, { cause: e })
    }
    if (!isJwkKeyPair(parsed)) {
      throw new SdkError(
        'INTERNAL',
        `Key storage entry ${key} is corrupt: it is not a {publicKey, privateKey} JWK pair`,
      )
    }
    return { publicKey: parsed.publicKey, privateKey: parsed.privateKey }
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

  /** Stores a JWK pair under `key` (CryptoKeys are refused: they cannot be written as JSON). */
  async storeKeyPair(key: string, keyPair: JwkKeyPair): Promise<void> {
    assertJwkKeyPair(keyPair, 'KeyStorageImpl')
    await this.storage.setItem(
      key,
      JSON.stringify({ publicKey: keyPair.publicKey, privateKey: keyPair.privateKey }),
    )
  }
}
