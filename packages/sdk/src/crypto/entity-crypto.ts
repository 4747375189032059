import {
  CryptoError,
  decryptSelf,
  encryptSelf,
  generateAesKey,
  importAesKey,
  unwrapValue,
  wrapValue,
  type AesKey,
  type WrapPurpose,
} from '@cairn/crypto'
import type { DelegationDto, EncryptedEntityDto, EncryptionMetaDto, EntityType } from '@cairn/protocol'
import type { ExchangeKeyManager } from './exchange-key-manager.ts'

type MapName = 'encryptionKeys' | 'delegations' | 'cryptedForeignKeys'

/** What the current data owner can recover from an entity's metadata. */
export interface EntitySecrets {
  key?: AesKey
  secretIds: string[]
  parentIds: string[]
}

/**
 * Per-entity encryption as CRYPTO.md describes: a random AES-256 key per entity, `encryptedSelf`
 * for the sensitive fields, and for each data owner with access the entity key, the entity's secret
 * id and the parent patient id wrapped under the pair's exchange key (AAD-bound to entity and
 * delegate). Sharing re-wraps these values for the new delegate; no RSA per entity.
 */
export class EntityCrypto {
  constructor(
    readonly selfId: string,
    private readonly exchangeKeys: ExchangeKeyManager,
  ) {}

  /**
   * Metadata of a new entity: access for the creator and each delegate (auto-shares), linked to a
   * parent patient through one of its secret ids when given.
   */
  async newMetadata(
    type: EntityType,
    id: string,
    delegates: readonly string[],
    parent?: { patientId: string; secretId: string },
  ): Promise<{ meta: EncryptionMetaDto; key: AesKey }> {
    const key = await generateAesKey()
    const secretId = globalThis.crypto.randomUUID()
    const meta: EncryptionMetaDto = {
      secretForeignKeys: parent ? [parent.secretId] : [],
      cryptedForeignKeys: {},
      delegations: {},
      encryptionKeys: {},
    }
    const secrets: EntitySecrets = { key, secretIds: [secretId], parentIds: parent ? [parent.patientId] : [] }
    // Delegates are independent: their entries are wrapped concurrently (each `add` replaces one map key).
    await Promise.all([...new Set([this.selfId, ...delegates])].map((d) => this.addDelegate(meta, type, id, d, secrets)))
    return { meta, key }
  }

  /** Encrypts the sensitive fields of an entity into `encryptedSelf`. */
  encryptFields(type: EntityType, id: string, key: AesKey, fields: Record<string, unknown>): Promise<string> {
    return encryptSelf(key, type, id, fields)
  }

  /**
   * Decrypts the sensitive fields; undefined when the current data owner holds no entity key.
   * Throws CryptoError when a key is found but the content does not authenticate (tampering).
   */
  async decryptFields(
    type: EntityType,
    doc: EncryptedEntityDto,
    key?: AesKey,
  ): Promise<Record<string, unknown> | undefined> {
    const k = key ?? (await this.entityKey(type, doc))
    if (!k) return undefined
    const encrypted = doc.systemMetaData.encryptedSelf
    return encrypted ? decryptSelf(k, type, doc.id, encrypted) : {}
  }

  /** The entity key, if shared with the current data owner. */
  async entityKey(type: EntityType, doc: EncryptedEntityDto): Promise<AesKey | undefined> {
    const [raw] = await this.unwrapAll(type, doc, 'encryptionKeys', 'ek', true)
    return raw ? importAesKey(raw) : undefined
  }

  /** The entity's secret ids readable by the current data owner (patients link children with them). */
  async secretIdsOf(type: EntityType, doc: EncryptedEntityDto): Promise<string[]> {
    return (await this.unwrapAll(type, doc, 'delegations', 'sid')).map((u) => new TextDecoder().decode(u))
  }

  /** Ids of the parent patient readable by the current data owner. */
  async parentIdsOf(type: EntityType, doc: EncryptedEntityDto): Promise<string[]> {
    return (await this.unwrapAll(type, doc, 'cryptedForeignKeys', 'fk')).map((u) =>
      new TextDecoder().decode(u),
    )
  }

  /** True if `delegate` already has every kind of access the entity gives. */
  isSharedWith(doc: EncryptedEntityDto, delegate: string): boolean {
    const m = doc.systemMetaData
    const has = (map: MapName) => (m[map][delegate]?.length ?? 0) > 0
    const needsParent = Object.keys(m.cryptedForeignKeys).length > 0
    const needsKey = Object.keys(m.encryptionKeys).length > 0
    return (
      has('delegations') &&
      (!needsKey || has('encryptionKeys')) &&
      (!needsParent || has('cryptedForeignKeys'))
    )
  }

  /**
   * A copy of the entity shared with `delegate`: the values the current data owner can unwrap are
   * wrapped again under K(self -> delegate). Returns undefined when it is already shared.
   */
  async share(
    type: EntityType,
    doc: EncryptedEntityDto,
    delegate: string,
  ): Promise<EncryptedEntityDto | undefined> {
    if (this.isSharedWith(doc, delegate)) return undefined
    const [rawKey] = await this.unwrapAll(type, doc, 'encryptionKeys', 'ek', true)
    const secrets: EntitySecrets = {
      key: rawKey ? await importAesKey(rawKey) : undefined,
      secretIds: await this.secretIdsOf(type, doc),
      parentIds: await this.parentIdsOf(type, doc),
    }
    if (!secrets.key && secrets.secretIds.length === 0 && secrets.parentIds.length === 0) {
      throw new Error(`Data owner ${this.selfId} cannot share ${type} ${doc.id}: it holds none of its keys`)
    }
    const meta: EncryptionMetaDto = {
      ...doc.systemMetaData,
      delegations: { ...doc.systemMetaData.delegations },
      encryptionKeys: { ...doc.systemMetaData.encryptionKeys },
      cryptedForeignKeys: { ...doc.systemMetaData.cryptedForeignKeys },
    }
    await this.addDelegate(meta, type, doc.id, delegate, secrets)
    return { ...doc, systemMetaData: meta }
  }

  /**
   * A copy of the entity with a fresh secret id for the current data owner: how a patient that can
   * read none of its own record's secret ids becomes able to link new data to itself.
   */
  async withNewSecretIdForSelf(type: EntityType, doc: EncryptedEntityDto): Promise<EncryptedEntityDto> {
    const meta: EncryptionMetaDto = { ...doc.systemMetaData }
    await this.addDelegate(meta, type, doc.id, this.selfId, {
      secretIds: [globalThis.crypto.randomUUID()],
      parentIds: [],
    })
    return { ...doc, systemMetaData: meta }
  }

  /** Adds the current data owner's entries for `delegate` (new arrays, the input maps are not mutated). */
  private async addDelegate(
    meta: EncryptionMetaDto,
    type: EntityType,
    id: string,
    delegate: string,
    secrets: EntitySecrets,
  ): Promise<void> {
    const xk = await this.exchangeKeys.keyTo(delegate)
    const entry = async (purpose: WrapPurpose, value: Uint8Array | string): Promise<DelegationDto> => ({
      owner: this.selfId,
      delegatedTo: delegate,
      key: await wrapValue(xk, purpose, type, id, delegate, value),
    })
    const add = (map: MapName, entries: DelegationDto[]) => {
      if (entries.length > 0)
        meta[map] = { ...meta[map], [delegate]: [...(meta[map][delegate] ?? []), ...entries] }
    }
    const [ek, sids, fks] = await Promise.all([
      secrets.key ? entry('ek', secrets.key.raw).then((e) => [e]) : Promise.resolve([]),
      Promise.all(secrets.secretIds.map((s) => entry('sid', s))),
      Promise.all(secrets.parentIds.map((p) => entry('fk', p))),
    ])
    add('encryptionKeys', ek)
    add('delegations', sids)
    add('cryptedForeignKeys', fks)
  }

  /**
   * Unwraps every entry of `map` addressed to the current data owner, with the exchange keys of each
   * entry's owner (refreshed once if a newer exchange key may exist). Distinct values only;
   * `firstOnly` stops at the first success.
   */
  private async unwrapAll(
    type: EntityType,
    doc: EncryptedEntityDto,
    map: MapName,
    purpose: WrapPurpose,
    firstOnly = false,
  ): Promise<Uint8Array[]> {
    const entries = doc.systemMetaData[map]?.[this.selfId] ?? []
    const values: Uint8Array[] = []
    const seen = new Set<string>()
    for (const e of entries) {
      const value =
        (await this.tryUnwrap(type, doc.id, e, purpose, false)) ??
        (await this.tryUnwrap(type, doc.id, e, purpose, true))
      if (!value) continue
      const k = value.join(',')
      if (seen.has(k)) continue
      seen.add(k)
      values.push(value)
      if (firstOnly) break
    }
    return values
  }

  private async tryUnwrap(
    type: EntityType,
    id: string,
    e: DelegationDto,
    purpose: WrapPurpose,
    refresh: boolean,
  ): Promise<Uint8Array | undefined> {
    for (const xk of await this.exchangeKeys.keysFrom(e.owner, refresh)) {
      try {
        return await unwrapValue(xk, purpose, type, id, this.selfId, e.key)
      } catch (err) {
        if (!(err instanceof CryptoError)) throw err
      }
    }
    return undefined
  }
}
