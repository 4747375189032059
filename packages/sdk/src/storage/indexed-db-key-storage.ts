import { importKeyPair, keyPairFromCryptoKeys } from '@cairn/crypto'
import { SdkError } from '../http/sdk-error.ts'
import { jwkToKeyPair } from '../crypto/key-format.ts'
import { isCryptoKeyPairEntry, isJwkKeyPair } from './key-pair-entry.ts'
import type {
  CryptoKeyPairEntry,
  KeyStorageFacade,
  PrivateCryptoKeys,
  StoredKeyPair,
} from './storage-facade.ts'

/** Object store of the key pairs (out-of-line keys: the entry names). */
const STORE = 'key-pairs'
const VERSION = 1

/** Options of an IndexedDbKeyStorage. */
export interface IndexedDbKeyStorageOptions {
  /** Name of the IndexedDB database (default `cairn-keys`). */
  databaseName?: string
  /**
   * Storage whose JWK pairs are moved here when first read, then deleted there: the builder passes the
   * previous browser default (KeyStorageImpl over localStorage) so that existing keys keep working and
   * no longer sit in clear in localStorage.
   */
  migrateFrom?: KeyStorageFacade
  /** IndexedDB factory (default `globalThis.indexedDB`). */
  indexedDB?: IDBFactory
}

/**
 * The browser's default key storage: key pairs in IndexedDB with NON-EXTRACTABLE private keys.
 * IndexedDB keeps CryptoKey objects as they are (structured clone), so each entry is
 * `{publicKey: <hex SPKI>, privateKey: {decrypt: CryptoKey, sign: CryptoKey}}` (RSA-OAEP/SHA-256 and
 * RSA-PSS/SHA-256): code running in the page can use the private key but neither it nor anything that
 * reads the browser profile can get its bytes. A JWK pair given to `storeKeyPair` is converted on the
 * way in. Consequence: a key pair kept only here cannot be exported or backed up; apps that must let
 * users move their key elsewhere keep the PKCS#8 they generated (e.g. from
 * `MedTechCryptoStrategies.notifyKeyPairGeneration`) somewhere the user controls.
 */
export class IndexedDbKeyStorage implements KeyStorageFacade {
  readonly databaseName: string
  private readonly migrateFrom?: KeyStorageFacade
  private readonly factory?: IDBFactory
  private opening?: Promise<IDBDatabase>

  constructor(options: IndexedDbKeyStorageOptions = {}) {
    this.databaseName = options.databaseName ?? 'cairn-keys'
    this.migrateFrom = options.migrateFrom
    this.factory = options.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB
  }

  /**
   * The pair stored under `key` (moved from `migrateFrom` first if only there), or undefined; rejects
   * with an SdkError if the entry is not a CryptoKey pair.
   */
  async getKeypair(key: string): Promise<CryptoKeyPairEntry | undefined> {
    return (await this.read(key)) ?? this.migrate(key)
  }

  /** The hex SPKI public key stored under `key`. */
  async getPublicKey(key: string): Promise<string | undefined> {
    return (await this.getKeypair(key))?.publicKey
  }

  /** The private CryptoKeys stored under `key` (non-extractable: usable, not exportable). */
  async getPrivateKey(key: string): Promise<PrivateCryptoKeys | undefined> {
    return (await this.getKeypair(key))?.privateKey
  }

  /** Removes the pair under `key` (in `migrateFrom` too, so that a later read does not bring it back). */
  async deleteKeypair(key: string): Promise<void> {
    await this.request('readwrite', (s) => s.delete(key))
    await this.migrateFrom?.deleteKeypair(key)
  }

  /**
   * Stores a pair under `key`. A JWK pair is checked (the private key must match the public key) and
   * imported as non-extractable CryptoKeys; a CryptoKey pair is stored as given if its private keys are
   * non-extractable RSA-OAEP / RSA-PSS keys of the public key's size. Resolves once the write is durable.
   */
  async storeKeyPair(key: string, keyPair: StoredKeyPair): Promise<void> {
    const entry = await this.toEntry(key, keyPair)
    await this.request('readwrite', (s) => s.put(entry, key))
  }

  /** Closes the database connection (it reopens on next use). */
  async close(): Promise<void> {
    const opening = this.opening
    this.opening = undefined
    if (opening) (await opening.catch(() => undefined))?.close()
  }

  /** Where the pairs are, for messages (e.g. the SDK's warning about a newly generated key pair). */
  describe(): string {
    return `the IndexedDB database ${this.databaseName} of this browser profile, as non-extractable keys (IndexedDbKeyStorage)`
  }

  /** A safe summary for logs: the database name only. */
  toJSON(): { databaseName: string } {
    return { databaseName: this.databaseName }
  }

  /** The entry to write for `pair`: non-extractable CryptoKeys only. */
  private async toEntry(key: string, pair: StoredKeyPair): Promise<CryptoKeyPairEntry> {
    try {
      if (isCryptoKeyPairEntry(pair)) {
        const { decrypt, sign } = pair.privateKey
        if (decrypt.extractable || sign.extractable) {
          throw new SdkError(
            'BAD_REQUEST',
            `IndexedDbKeyStorage keeps only non-extractable private keys (entry ${key})`,
          )
        }
        const h = await keyPairFromCryptoKeys(pair.publicKey, decrypt, sign)
        return { publicKey: h.publicKeyHex, privateKey: { decrypt, sign } }
      }
      if (isJwkKeyPair(pair)) {
        // importKeyPair checks that the halves match and gives non-extractable private keys.
        const h = await importKeyPair(await jwkToKeyPair(pair))
        return { publicKey: h.publicKeyHex, privateKey: { decrypt: h.decryptKey, sign: h.signKey } }
      }
    } catch (e) {
      if (e instanceof SdkError) throw e
      throw new SdkError('BAD_REQUEST', `Cannot store key pair ${key}: ${(e as Error).message}`, {
        cause: e,
      })
    }
    throw new SdkError(
      'BAD_REQUEST',
      `Cannot store key pair ${key}: neither a JWK pair nor {publicKey: <hex SPKI>, privateKey: {decrypt, sign}}`,
    )
  }

  /** The entry under `key` in IndexedDB, checked; undefined if there is none. */
  private async read(key: string): Promise<CryptoKeyPairEntry | undefined> {
    const value = await this.request<unknown>('readonly', (s) => s.get(key))
    if (value === undefined) return undefined
    if (!isCryptoKeyPairEntry(value)) {
      throw new SdkError(
        'INTERNAL',
        `Key storage entry ${key} in IndexedDB ${this.databaseName} is corrupt: it is not {publicKey, privateKey: {decrypt, sign}}`,
      )
    }
    return value
  }

  /** Moves a pair from `migrateFrom` (if it has one under `key`) and deletes it there once stored here. */
  private async migrate(key: string): Promise<CryptoKeyPairEntry | undefined> {
    if (!this.migrateFrom) return undefined
    const old = await this.migrateFrom.getKeypair(key)
    // Gone there: a concurrent read may just have moved it here.
    if (!old) return this.read(key)
    let entry: CryptoKeyPairEntry
    try {
      entry = await this.toEntry(key, old)
    } catch (e) {
      throw new SdkError(
        'INTERNAL',
        `Key storage entry ${key} cannot be moved to IndexedDB: ${(e as Error).message}`,
        { cause: e },
      )
    }
    await this.request('readwrite', (s) => s.put(entry, key))
    await this.migrateFrom.deleteKeypair(key)
    return entry
  }

  /** Runs one request in its own transaction; resolves with its result once the transaction completed. */
  private async request<T>(mode: IDBTransactionMode, run: (store: IDBObjectStore) => IDBRequest): Promise<T> {
    const db = await this.db()
    return new Promise<T>((resolve, reject) => {
      let req: IDBRequest
      let tx: IDBTransaction
      try {
        // 'strict': a stored key pair is on disk before the promise resolves (losing it loses data).
        tx = db.transaction(STORE, mode, { durability: mode === 'readwrite' ? 'strict' : 'default' })
        req = run(tx.objectStore(STORE))
      } catch (e) {
        reject(this.failure(e))
        return
      }
      tx.oncomplete = () => resolve(req.result as T)
      tx.onabort = tx.onerror = () => reject(this.failure(tx.error ?? req.error))
    })
  }

  /** The open database (opened once, reopened after a version change closed it). */
  private db(): Promise<IDBDatabase> {
    const factory = this.factory
    if (!factory) {
      return Promise.reject(
        new SdkError(
          'BAD_REQUEST',
          'IndexedDbKeyStorage needs IndexedDB (a browser); in Node.js, use FileKeyStorage or pass your own key storage',
        ),
      )
    }
    this.opening ??= new Promise<IDBDatabase>((resolve, reject) => {
      const req = factory.open(this.databaseName, VERSION)
      req.onupgradeneeded = () => {
        if (!req.result.objectStoreNames.contains(STORE)) req.result.createObjectStore(STORE)
      }
      req.onsuccess = () => {
        const db = req.result
        // Another tab upgrading the database: let it, and reopen on next use.
        db.onversionchange = () => {
          db.close()
          this.opening = undefined
        }
        resolve(db)
      }
      req.onerror = () => reject(this.failure(req.error))
    }).catch((e: unknown) => {
      this.opening = undefined
      throw e
    })
    return this.opening
  }

  private failure(e: unknown): SdkError {
    if (e instanceof SdkError) return e
    const message = e instanceof Error || e instanceof DOMException ? e.message : String(e)
    return new SdkError('INTERNAL', `IndexedDB ${this.databaseName}: ${message}`, { cause: e })
  }
}
