import { generateKeyPairHex, hex2ua } from '@cairn/crypto'
import type { EncryptedEntityDto, EncryptionMetaDto, EntityType } from '@cairn/protocol'
import { DataSample, EncryptedPatient, HealthcareElement, Notification, Patient } from '../models/index.ts'
import { metaToWire, type Marshallable } from '../mappers/wire.ts'
import { oaepJwk } from '../crypto/key-format.ts'
import { SdkError } from '../http/sdk-error.ts'
import { requireSelf, type ApiContext } from './api-context.ts'
import { EncryptedEntityStore, type EntityModel } from './encrypted-entity-store.ts'
import { ENTITY_KINDS } from './entity-models.ts'
import { RecoveryKeys, type RecoveryKeyStatus } from './recovery-keys.ts'

/** RSA parameters of the keys the primitives make and import: those of the protocol (RSA-OAEP, SHA-256). */
const OAEP: RsaHashedImportParams = { name: 'RSA-OAEP', hash: 'SHA-256' }

/** An encrypted entity as a model, or in its wire form (then its type must be given). */
export type CryptoApiEntity =
  | Patient
  | EncryptedPatient
  | DataSample
  | HealthcareElement
  | Notification
  | EncryptedEntityDto
  | Record<string, unknown>

/** Entity type names accepted next to an entity: Cairn's, and the MedTech / iCure names. */
export type CryptoApiEntityType =
  | EntityType
  | 'Patient'
  | 'DataSample'
  | 'HealthcareElement'
  | 'HealthElement'
  | 'Notification'
  | 'MaintenanceTask'

/** MedTech `getDataOwnersWithAccessTo` result. */
export interface EntityAccessInfo {
  permissionsByDataOwnerId: { [dataOwnerId: string]: 'READ' | 'WRITE' }
  /** Always false: Cairn has no anonymous delegations. */
  hasUnknownAnonymousDataOwners: boolean
}

const TYPE_NAMES: Record<CryptoApiEntityType, EntityType> = {
  patient: 'patient',
  dataSample: 'dataSample',
  healthcareElement: 'healthcareElement',
  Patient: 'patient',
  DataSample: 'dataSample',
  HealthcareElement: 'healthcareElement',
  HealthElement: 'healthcareElement',
  notification: 'notification',
  Notification: 'notification',
  MaintenanceTask: 'notification',
}

const isModel = (e: unknown): e is EntityModel =>
  e instanceof Patient ||
  e instanceof EncryptedPatient ||
  e instanceof DataSample ||
  e instanceof HealthcareElement ||
  e instanceof Notification

/** Bytes for WebCrypto, from an ArrayBuffer or a view. */
function bytes(data: ArrayBuffer | ArrayBufferView): Uint8Array<ArrayBuffer> {
  return (
    data instanceof ArrayBuffer
      ? new Uint8Array(data)
      : new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
  ) as Uint8Array<ArrayBuffer>
}

/**
 * `cryptoApi.primitives.RSA` (MedTech `RSAUtils`): extractable RSA-OAEP/SHA-256 key pairs as CryptoKeys,
 * and their export in the MedTech formats. For apps that make or move key pairs themselves; the SDK
 * never needs them.
 */
class RsaPrimitives {
  constructor(private readonly crypto: Crypto) {}

  /** A new 2048-bit pair (the protocol's generator), extractable so that it can be exported and kept. */
  async generateKeyPair(): Promise<CryptoKeyPair> {
    const hex = await generateKeyPairHex()
    return this.importKeyPair('pkcs8', hex2ua(hex.privateKey), 'spki', hex2ua(hex.publicKey))
  }

  /** Exports a key: `jwk` as a JsonWebKey, `spki` (public) or `pkcs8` (private) as DER bytes. */
  exportKey(key: CryptoKey, format: 'jwk'): Promise<JsonWebKey>
  exportKey(key: CryptoKey, format: 'spki' | 'pkcs8'): Promise<ArrayBuffer>
  exportKey(key: CryptoKey, format: 'jwk' | 'spki' | 'pkcs8'): Promise<JsonWebKey | ArrayBuffer>
  exportKey(key: CryptoKey, format: 'jwk' | 'spki' | 'pkcs8'): Promise<JsonWebKey | ArrayBuffer> {
    return format === 'jwk'
      ? this.crypto.subtle.exportKey('jwk', key)
      : this.crypto.subtle.exportKey(format, key)
  }

  /** Exports both halves of a pair (MedTech `exportKeys(pair, 'jwk', 'jwk')` or `(pair, 'pkcs8', 'spki')`). */
  async exportKeys(
    pair: CryptoKeyPair,
    privateKeyFormat: 'jwk' | 'pkcs8',
    publicKeyFormat: 'jwk' | 'spki',
  ): Promise<{ publicKey: JsonWebKey | ArrayBuffer; privateKey: JsonWebKey | ArrayBuffer }> {
    const [publicKey, privateKey] = await Promise.all([
      this.exportKey(pair.publicKey, publicKeyFormat),
      this.exportKey(pair.privateKey, privateKeyFormat),
    ])
    return { publicKey, privateKey }
  }

  /**
   * Imports a pair given as JWKs or DER bytes (PKCS#8 / SPKI) as extractable RSA-OAEP/SHA-256 CryptoKeys
   * (the `alg` of a MedTech JWK, RSA-OAEP with SHA-1, is ignored: the key is the same).
   */
  async importKeyPair(
    privateKeyFormat: 'jwk' | 'pkcs8',
    privateKeyData: JsonWebKey | ArrayBuffer | ArrayBufferView,
    publicKeyFormat: 'jwk' | 'spki',
    publicKeyData: JsonWebKey | ArrayBuffer | ArrayBufferView,
  ): Promise<CryptoKeyPair> {
    const subtle = this.crypto.subtle
    const [privateKey, publicKey] = await Promise.all([
      privateKeyFormat === 'jwk'
        ? subtle.importKey('jwk', oaepJwk(privateKeyData as JsonWebKey), OAEP, true, ['decrypt'])
        : subtle.importKey('pkcs8', bytes(privateKeyData as ArrayBuffer), OAEP, true, ['decrypt']),
      publicKeyFormat === 'jwk'
        ? subtle.importKey('jwk', oaepJwk(publicKeyData as JsonWebKey), OAEP, true, ['encrypt'])
        : subtle.importKey('spki', bytes(publicKeyData as ArrayBuffer), OAEP, true, ['encrypt']),
    ])
    return { privateKey, publicKey }
  }
}

/**
 * MedTech `api.cryptoApi` (the part of iCure's `IccCryptoXApi` that MedTech code uses): WebCrypto
 * primitives, the crypto metadata of encrypted entities as the current data owner sees it, and cache
 * control. Entities are models (Patient, EncryptedPatient, DataSample, HealthcareElement) or their wire
 * form with its type given.
 */
export class CryptoApi {
  readonly primitives: {
    /** The WebCrypto implementation the API was built with (`withCrypto`, default `globalThis.crypto`). */
    readonly crypto: Crypto
    randomUuid(): string
    sha256(data: ArrayBuffer | ArrayBufferView): Promise<ArrayBuffer>
    readonly RSA: RsaPrimitives
  }
  readonly entities: {
    secretIdsOf(entity: CryptoApiEntity, entityType?: CryptoApiEntityType): Promise<string[]>
    owningEntityIdsOf(entity: CryptoApiEntity, entityType?: CryptoApiEntityType): Promise<string[]>
    getDataOwnersWithAccessTo(
      entity: CryptoApiEntity,
      entityType?: CryptoApiEntityType,
    ): Promise<EntityAccessInfo>
  }

  private readonly recovery: RecoveryKeys

  /** @internal */
  constructor(
    private readonly ctx: ApiContext,
    crypto: Crypto,
    private readonly reload: () => Promise<void>,
    /** The API's crypto strategies (they may hold the exportable pairs a recovery key needs). */
    strategies?: unknown,
  ) {
    this.recovery = new RecoveryKeys(ctx, strategies)
    this.primitives = {
      crypto,
      randomUuid: () => crypto.randomUUID(),
      sha256: (data) => crypto.subtle.digest('SHA-256', bytes(data)),
      RSA: new RsaPrimitives(crypto),
    }
    this.entities = {
      secretIdsOf: (entity, entityType) => this.secretIdsOf(entity, entityType),
      owningEntityIdsOf: (entity, entityType) => this.owningEntityIdsOf(entity, entityType),
      getDataOwnersWithAccessTo: (entity, entityType) => this.getDataOwnersWithAccessTo(entity, entityType),
    }
  }

  /**
   * Clears the exchange-key, public-key and key-trust caches, so that keys created or shared since they
   * were loaded are fetched again (same as `api.forceReload()`).
   */
  forceReload(): Promise<void> {
    return this.reload()
  }

  /**
   * Creates a recovery key for the current data owner (Cairn extension, docs/protocol.md "Recovery
   * key"): encrypts, on this device, the private keys of the data owner it holds here under a key
   * derived from a new random code, stores that ciphertext on the server, and returns the code, e.g.
   * `7K3M-Q9XA-…` (7 groups of 4). Show it once and ask the user to write it down: nobody, the server
   * included, can recover it, and it restores the keys on any device (`restoreFromRecoveryKey`, or the
   * builder's `withRecoveryKey`). Replaces the previous recovery key (its code stops working). Keys
   * created later (`dataOwnerApi.rotateKeyPair()`) are not in it: create a new recovery key then
   * (`getRecoveryKeyStatus().missingFingerprints` tells). Needs a recent login, which the SDK redoes by
   * itself with the password. Rejects with FORBIDDEN when a key is kept non-extractable on this device
   * (IndexedDbKeyStorage) and cannot be exported.
   */
  createRecoveryKey(): Promise<string> {
    return this.recovery.create()
  }

  /** Whether the current data owner has a recovery key (Cairn extension). */
  async hasRecoveryKey(): Promise<boolean> {
    return (await this.recovery.status()).exists
  }

  /**
   * The recovery key of the current data owner as the server knows it (Cairn extension): whether there
   * is one, when it was made, the keys it covers, and the keys on this device it does not cover.
   */
  getRecoveryKeyStatus(): Promise<RecoveryKeyStatus> {
    return this.recovery.status()
  }

  /** Deletes the current data owner's recovery key (Cairn extension); its code then opens nothing. */
  deleteRecoveryKey(): Promise<void> {
    return this.recovery.delete()
  }

  /**
   * Restores the current data owner's private keys on this device from its recovery code (Cairn
   * extension): a mistyped code is refused before any request ("This is not a valid recovery key: ...
   * check the characters"); a wrong one with the server's 403 (attempts are counted, then slowed down:
   * 429). Every recovered pair must be valid and one of the data owner's published keys; they are kept
   * in the key storage and used at once (no rebuild needed: the key caches are cleared, so data
   * encrypted for them reads). Keys this device made on the lost-key path get a `key-add` signed by a
   * recovered key, so that counterparts trust them as after a rotation. Returns the fingerprints
   * restored.
   */
  restoreFromRecoveryKey(code: string): Promise<string[]> {
    return this.recovery.restore(code)
  }

  /** Deprecated MedTech method: clears the exchange-key cache (all of it, whatever `_dataOwnerId`). */
  emptyHcpCache(_dataOwnerId?: string): void {
    this.ctx.exchangeKeys?.clear()
  }

  /** A safe summary for logs: nothing of the session. */
  toJSON(): Record<string, never> {
    return {}
  }

  /** What `console.log` / `util.inspect` show in Node.js: no keys, no tokens. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return 'CryptoApi {}'
  }

  /** The entity's secret ids the current data owner can read (its children are linked with one of them). */
  private async secretIdsOf(entity: CryptoApiEntity, entityType?: CryptoApiEntityType): Promise<string[]> {
    const { crypto } = requireSelf(this.ctx)
    const type = this.typeOf(entity, entityType)
    return crypto.secretIdsOf(type, await this.wireOf(type, entity))
  }

  /** Ids of the entity's parent patient the current data owner can read (empty for a patient). */
  private async owningEntityIdsOf(
    entity: CryptoApiEntity,
    entityType?: CryptoApiEntityType,
  ): Promise<string[]> {
    const { crypto } = requireSelf(this.ctx)
    const type = this.typeOf(entity, entityType)
    return crypto.parentIdsOf(type, await this.wireOf(type, entity))
  }

  /**
   * The data owners with access to the entity: the keys of its `delegations` map. The server lets every
   * one of them read and modify it (Cairn has no read-only sharing), hence WRITE for all.
   */
  private async getDataOwnersWithAccessTo(
    entity: CryptoApiEntity,
    entityType?: CryptoApiEntityType,
  ): Promise<EntityAccessInfo> {
    let meta: Partial<EncryptionMetaDto> | undefined = isModel(entity)
      ? metaToWire(entity.systemMetaData)
      : ((entity as { systemMetaData?: Partial<EncryptionMetaDto> }).systemMetaData ?? undefined)
    if (!meta) {
      const type = this.typeOf(entity, entityType)
      meta = (await this.wireOf(type, entity)).systemMetaData
    }
    const permissionsByDataOwnerId: EntityAccessInfo['permissionsByDataOwnerId'] = {}
    for (const id of Object.keys(meta.delegations ?? {})) permissionsByDataOwnerId[id] = 'WRITE'
    return { permissionsByDataOwnerId, hasUnknownAnonymousDataOwners: false }
  }

  /** The entity type: from the model class, else from `given`; a clear error when neither tells. */
  private typeOf(entity: CryptoApiEntity, given?: CryptoApiEntityType): EntityType {
    if (entity instanceof Patient || entity instanceof EncryptedPatient) return 'patient'
    if (entity instanceof DataSample) return 'dataSample'
    if (entity instanceof HealthcareElement) return 'healthcareElement'
    if (entity instanceof Notification) return 'notification'
    const type = given === undefined ? undefined : TYPE_NAMES[given]
    if (!type) {
      throw new SdkError(
        'BAD_REQUEST',
        given === undefined
          ? 'Cannot tell the type of this entity: pass a Patient, DataSample or HealthcareElement, or give its type (e.g. secretIdsOf(dto, "patient"))'
          : `Unknown entity type ${String(given)}: expected one of ${Object.keys(TYPE_NAMES).join(', ')}`,
      )
    }
    return type
  }

  /**
   * The wire document of an entity: a model's metadata as it stands (fetched when the model lacks it,
   * like the entity APIs do), a wire document as given, or fetched by id when it has no metadata.
   */
  private async wireOf(type: EntityType, entity: CryptoApiEntity): Promise<EncryptedEntityDto> {
    const store = new EncryptedEntityStore<EntityModel>(this.ctx, ENTITY_KINDS[type])
    if (isModel(entity)) {
      return store.wireOf(entity instanceof EncryptedPatient ? new Patient(entity) : entity)
    }
    const doc = entity as Partial<EncryptedEntityDto> & { systemMetaData?: unknown }
    if (typeof doc.id !== 'string') throw new SdkError('BAD_REQUEST', `This ${type} has no id`)
    const meta = doc.systemMetaData as (Partial<EncryptionMetaDto> & Partial<Marshallable>) | undefined
    if (!meta) return store.fetch(doc.id)
    const wire = typeof meta.marshal === 'function' ? metaToWire(meta as Marshallable)! : meta
    return {
      ...doc,
      id: doc.id,
      systemMetaData: {
        ...wire,
        secretForeignKeys: wire.secretForeignKeys ?? [],
        cryptedForeignKeys: wire.cryptedForeignKeys ?? {},
        delegations: wire.delegations ?? {},
        encryptionKeys: wire.encryptionKeys ?? {},
      },
    }
  }
}
