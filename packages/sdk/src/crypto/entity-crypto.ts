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
import { SdkError } from '../http/sdk-error.ts'

type MapName = 'encryptionKeys' | 'delegations' | 'cryptedForeignKeys'

/**
 * Tag of a delegation entry whose value (a secret id or the parent id) is wrapped under the entity
 * key rather than under the pair's exchange key. Such a ciphertext is the same for every delegate
 * (its AAD names the delegate `*`), so it is computed once per entity and copied when sharing.
 */
export const ENTITY_KEY_TAG = 'entity-key'
/** Delegate component of the AAD of values wrapped under the entity key (never a data owner id: those are UUIDs). */
const EVERY_DELEGATE = '*'

const decoder = new TextDecoder()

/**
 * Per-entity encryption (docs/protocol.md, v1.1): a
 * random AES-256 key per entity; `encryptedSelf` for the sensitive fields; for each data owner with
 * access, the entity key wrapped under the pair's exchange key (`encryptionKeys`), and the entity's
 * secret id (`delegations`) and parent patient id (`cryptedForeignKeys`) wrapped once under the
 * entity key. Creating costs 3 + (number of delegates) AES operations, sharing 2, reading 2; no RSA
 * per entity.
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
    const [sid, fk] = await Promise.all([
      wrapValue(key, 'sid', type, id, EVERY_DELEGATE, globalThis.crypto.randomUUID()),
      parent ? wrapValue(key, 'fk', type, id, EVERY_DELEGATE, parent.patientId) : undefined,
    ])
    const meta: EncryptionMetaDto = {
      secretForeignKeys: parent ? [parent.secretId] : [],
      cryptedForeignKeys: {},
      delegations: {},
      encryptionKeys: {},
    }
    await Promise.all(
      [...new Set([this.selfId, ...delegates])].map(async (d) => {
        const ek = await this.wrapForDelegate(d, 'ek', type, id, key.raw)
        meta.encryptionKeys[d] = [ek]
        meta.delegations[d] = [this.tagged(d, sid)]
        if (fk) meta.cryptedForeignKeys[d] = [this.tagged(d, fk)]
      }),
    )
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
    const encrypted = doc.systemMetaData.encryptedSelf
    if (key) return encrypted ? decryptSelf(key, type, doc.id, encrypted) : {}
    return (await this.open(type, doc))?.fields
  }

  /** The entity key, if shared with the current data owner (one that opens the entity's content). */
  async entityKey(type: EntityType, doc: EncryptedEntityDto): Promise<AesKey | undefined> {
    return (await this.open(type, doc))?.key
  }

  /**
   * Finds the entity key among the entries addressed to the current data owner: the first that
   * unwraps AND opens `encryptedSelf`, so that a bogus entry another delegate adds cannot hide the
   * genuine one. Keys found but none opening the content means tampering: CryptoError.
   */
  private async open(
    type: EntityType,
    doc: EncryptedEntityDto,
  ): Promise<{ key: AesKey; fields: Record<string, unknown> } | undefined> {
    const encrypted = doc.systemMetaData.encryptedSelf
    let failure: CryptoError | undefined
    for (const e of doc.systemMetaData.encryptionKeys?.[this.selfId] ?? []) {
      const raw = await this.unwrapFromOwner(type, doc.id, e, 'ek')
      if (!raw) continue
      const key = await importAesKey(raw)
      try {
        return { key, fields: encrypted ? await decryptSelf(key, type, doc.id, encrypted) : {} }
      } catch (err) {
        if (!(err instanceof CryptoError)) throw err
        failure = err
      }
    }
    if (failure) throw failure
    return undefined
  }

  /** The entity's secret ids readable by the current data owner (patients link children with them). */
  async secretIdsOf(type: EntityType, doc: EncryptedEntityDto): Promise<string[]> {
    return this.valuesOf(type, doc, 'delegations', 'sid')
  }

  /** Ids of the parent patient readable by the current data owner. */
  async parentIdsOf(type: EntityType, doc: EncryptedEntityDto): Promise<string[]> {
    return this.valuesOf(type, doc, 'cryptedForeignKeys', 'fk')
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
   * A copy of the entity shared with `delegate`, or undefined when it is already shared. With the
   * entity key: the key is wrapped for the delegate and the entity-key-wrapped values are copied (2
   * AES operations); values the current data owner only holds under exchange keys are re-wrapped.
   */
  async share(
    type: EntityType,
    doc: EncryptedEntityDto,
    delegate: string,
  ): Promise<{ doc: EncryptedEntityDto; key?: AesKey } | undefined> {
    if (this.isSharedWith(doc, delegate)) return undefined
    const key = await this.entityKey(type, doc)
    const meta: EncryptionMetaDto = {
      ...doc.systemMetaData,
      delegations: { ...doc.systemMetaData.delegations },
      encryptionKeys: { ...doc.systemMetaData.encryptionKeys },
      cryptedForeignKeys: { ...doc.systemMetaData.cryptedForeignKeys },
    }
    const added = await Promise.all([
      key ? this.wrapForDelegate(delegate, 'ek', type, doc.id, key.raw).then((e) => [e]) : [],
      this.entriesFor(type, doc, 'delegations', 'sid', delegate, key),
      this.entriesFor(type, doc, 'cryptedForeignKeys', 'fk', delegate, key),
    ])
    if (added.every((entries) => entries.length === 0)) {
      throw new SdkError(
        'FORBIDDEN',
        `Data owner ${this.selfId} cannot share ${type} ${doc.id}: it holds none of its keys`,
      )
    }
    ;(['encryptionKeys', 'delegations', 'cryptedForeignKeys'] as const).forEach((map, i) => {
      if (added[i].length > 0)
        meta[map] = { ...meta[map], [delegate]: [...(meta[map][delegate] ?? []), ...added[i]] }
    })
    return { doc: { ...doc, systemMetaData: meta }, key }
  }

  /**
   * A copy of the entity with a fresh secret id for the current data owner, wrapped under its own
   * exchange key: how a patient that can read none of its own record's secret ids (and holds no
   * entity key) becomes able to link new data to itself.
   */
  async withNewSecretIdForSelf(type: EntityType, doc: EncryptedEntityDto): Promise<EncryptedEntityDto> {
    const entry = await this.wrapForDelegate(this.selfId, 'sid', type, doc.id, globalThis.crypto.randomUUID())
    const delegations = { ...doc.systemMetaData.delegations }
    delegations[this.selfId] = [...(delegations[this.selfId] ?? []), entry]
    return { ...doc, systemMetaData: { ...doc.systemMetaData, delegations } }
  }

  /** Entries giving `delegate` the values of `map` the current data owner can read. */
  private async entriesFor(
    type: EntityType,
    doc: EncryptedEntityDto,
    map: MapName,
    purpose: WrapPurpose,
    delegate: string,
    key: AesKey | undefined,
  ): Promise<DelegationDto[]> {
    const mine = doc.systemMetaData[map]?.[this.selfId] ?? []
    const out = new Map<string, DelegationDto>()
    for (const e of mine) {
      if (key && e.tags?.includes(ENTITY_KEY_TAG)) {
        out.set(e.key, this.tagged(delegate, e.key))
        continue
      }
      const value = await this.unwrapEntry(type, doc.id, e, purpose, key)
      if (!value) continue
      const entry = key
        ? this.tagged(delegate, await wrapValue(key, purpose, type, doc.id, EVERY_DELEGATE, value))
        : await this.wrapForDelegate(delegate, purpose, type, doc.id, value)
      out.set(entry.key, entry)
    }
    return [...out.values()]
  }

  /** Distinct values of `map` readable by the current data owner. */
  private async valuesOf(
    type: EntityType,
    doc: EncryptedEntityDto,
    map: MapName,
    purpose: WrapPurpose,
  ): Promise<string[]> {
    const entries = doc.systemMetaData[map]?.[this.selfId] ?? []
    if (entries.length === 0) return []
    const key = entries.some((e) => e.tags?.includes(ENTITY_KEY_TAG))
      ? await this.entityKey(type, doc)
      : undefined
    const values = new Set<string>()
    for (const e of entries) {
      const value = await this.unwrapEntry(type, doc.id, e, purpose, key)
      if (value) values.add(decoder.decode(value))
    }
    return [...values]
  }

  /** Unwraps one entry: under the entity key when tagged so, else under the exchange key of its owner. */
  private async unwrapEntry(
    type: EntityType,
    id: string,
    e: DelegationDto,
    purpose: WrapPurpose,
    key: AesKey | undefined,
  ): Promise<Uint8Array | undefined> {
    if (!e.tags?.includes(ENTITY_KEY_TAG)) return this.unwrapFromOwner(type, id, e, purpose)
    if (!key) return undefined
    try {
      return await unwrapValue(key, purpose, type, id, EVERY_DELEGATE, e.key)
    } catch (err) {
      if (err instanceof CryptoError) return undefined
      throw err
    }
  }

  /** An entry for `delegate` holding `value` wrapped under K(self -> delegate). */
  private async wrapForDelegate(
    delegate: string,
    purpose: WrapPurpose,
    type: EntityType,
    id: string,
    value: Uint8Array | string,
  ): Promise<DelegationDto> {
    const xk = await this.exchangeKeys.keyTo(delegate)
    return {
      owner: this.selfId,
      delegatedTo: delegate,
      key: await wrapValue(xk, purpose, type, id, delegate, value),
    }
  }

  /** An entry for `delegate` carrying a value wrapped under the entity key. */
  private tagged(delegate: string, key: string): DelegationDto {
    return { owner: this.selfId, delegatedTo: delegate, key, tags: [ENTITY_KEY_TAG] }
  }

  /**
   * Unwraps a value addressed to the current data owner with the exchange keys of the entry's owner,
   * refreshing them once (a newer exchange key may exist). Undefined if none opens it.
   */
  private async unwrapFromOwner(
    type: EntityType,
    id: string,
    e: DelegationDto,
    purpose: WrapPurpose,
  ): Promise<Uint8Array | undefined> {
    for (const refresh of [false, true]) {
      for (const xk of await this.exchangeKeys.keysFrom(e.owner, refresh)) {
        try {
          return await unwrapValue(xk, purpose, type, id, this.selfId, e.key)
        } catch (err) {
          if (!(err instanceof CryptoError)) throw err
        }
      }
    }
    return undefined
  }
}
