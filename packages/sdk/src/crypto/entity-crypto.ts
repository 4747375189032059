import {
  CryptoError,
  decryptSelf,
  encryptSelf,
  generateAesKey,
  importAesKey,
  sealDigest,
  sealEntity,
  unwrapValue,
  verifySeal,
  wrapValue,
  writerProof,
  constantTimeEqual,
  keyCommitment,
  type AesKey,
  type EntitySeal,
  type SealedContent,
  type WrapPurpose,
} from '@cairn/crypto'
import type { DelegationDto, EncryptedEntityDto, EncryptionMetaDto, EntityType } from '@cairn/protocol'
import type { ExchangeKeyManager } from './exchange-key-manager.ts'
import { IntegrityError } from './integrity-error.ts'
import { RevisionMemory } from './revision-memory.ts'
import { CreationMemory } from './creation-memory.ts'
import type { StorageFacade } from '../storage/storage-facade.ts'
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

/**
 * Top-level fields the server sets or manages (docs/protocol.md "Entity seal"): not sealed, since the
 * writer does not choose them. Everything else outside `systemMetaData` is sealed.
 */
const SERVER_MANAGED = new Set(['rev', 'created', 'modified', 'author', 'responsible', 'deletionDate'])

const decoder = new TextDecoder()

/** An entity opened and verified by the current data owner. */
export interface OpenedEntity {
  key: AesKey
  fields: Record<string, unknown>
  seal: EntitySeal
  /** The writer of this revision, and whether a proof only that writer could make was checked. */
  writer: { dataOwnerId: string; verified: boolean }
}

/** The clear part of a document that a seal covers. */
export function sealedContent(type: EntityType, doc: EncryptedEntityDto): SealedContent {
  const clear: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(doc)) {
    if (k !== 'systemMetaData' && k !== 'id' && !SERVER_MANAGED.has(k) && v !== undefined) clear[k] = v
  }
  return {
    entityType: type,
    entityId: doc.id,
    clear,
    secretForeignKeys: doc.systemMetaData.secretForeignKeys ?? [],
    encryptedSelf: doc.systemMetaData.encryptedSelf ?? '',
  }
}

/**
 * Per-entity encryption, protocol v2 (docs/protocol.md): a random AES-256 key `k` per entity;
 * `encryptedSelf` for the sensitive fields; for each data owner with access, `k` wrapped under the
 * pair's exchange key (`encryptionKeys`), and the entity's secret id and parent patient id wrapped once
 * under `k`. Every revision is sealed under `k` (clear fields, links, ciphertext, revision counter,
 * creator, writer, key commitment) with writer proofs under exchange keys. Reading verifies all of it;
 * creating costs a few AES/HMAC operations per delegate and no RSA once the pairs are known.
 */
export class EntityCrypto {
  /** Newest revision seen per entity by this API instance (rollback detection). */
  readonly revisions = new RevisionMemory()
  /** Last refetch of each owner's exchange keys (ms), to bound what bogus entries can make us fetch. */
  private readonly refreshedAt = new Map<string, number>()

  /** Entities this data owner created (persisted with the StorageFacade), against re-keyed substitutes. */
  readonly creations: CreationMemory

  constructor(
    readonly selfId: string,
    private readonly exchangeKeys: ExchangeKeyManager,
    storage?: StorageFacade<string>,
  ) {
    this.creations = new CreationMemory(selfId, storage)
  }

  /** A safe summary for logs and JSON: never the cached keys. */
  toJSON(): { selfId: string } {
    return { selfId: this.selfId }
  }

  /** What `console.log` / `util.inspect` show in Node.js: the summary of {@link toJSON}, no key. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `EntityCrypto ${JSON.stringify(this.toJSON())}`
  }

  /**
   * Metadata of a new entity: access for the creator and each delegate (auto-shares), linked to a
   * parent patient through one of its secret ids when given. The seal is added by {@link seal}.
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
   * Seals a revision written by the current data owner: `previous` is the seal of the revision it
   * replaces (absent on creation). Writer proofs are made for every data owner with access to whom an
   * exchange key can be had (creating it on first contact, once per pair); a data owner left out reads
   * the revision with an unverified writer, never fails to read it.
   */
  async seal(
    type: EntityType,
    doc: EncryptedEntityDto,
    key: AesKey,
    previous?: EntitySeal,
  ): Promise<EntitySeal> {
    const delegates = new Set([this.selfId, ...Object.keys(doc.systemMetaData.encryptionKeys ?? {})])
    const proofKeys = new Map<string, AesKey>()
    await Promise.all(
      [...delegates].map(async (d) => {
        try {
          proofKeys.set(d, await this.exchangeKeys.keyTo(d))
        } catch (e) {
          if (d === this.selfId) throw e
        }
      }),
    )
    const { seal } = await sealEntity({
      k: key,
      content: sealedContent(type, doc),
      seq: previous ? previous.seq + 1 : 1,
      creator: previous?.creator ?? this.selfId,
      writer: this.selfId,
      proofKeys,
    })
    return seal
  }

  /**
   * Opens and verifies an entity for the current data owner. Undefined when it holds no usable entity
   * key (nothing shared with it, or shared with a key it has lost: the content is withheld). Throws
   * IntegrityError when a key is found but anything does not verify: the key entries disagree, the key
   * does not match the commitment, the seal is missing or does not match, the writer proof is forged,
   * the revision is older than one already seen, or the content does not decrypt.
   */
  async open(type: EntityType, doc: EncryptedEntityDto): Promise<OpenedEntity | undefined> {
    const key = await this.unlock(type, doc)
    if (!key) return undefined
    const meta = doc.systemMetaData
    const seal = meta.seal as EntitySeal
    const fail = (reason: string, cause?: unknown): never => {
      throw new IntegrityError(type, doc.id, reason, cause)
    }
    if (typeof meta.encryptedSelf !== 'string' || meta.encryptedSelf === '')
      fail('its encrypted content is missing')
    let digest = ''
    try {
      // unlock() compared the key with the commitment already.
      digest = await verifySeal(key, sealedContent(type, doc), seal, { commitmentChecked: true })
    } catch (e) {
      if (!(e instanceof CryptoError)) throw e
      fail(e.message, e)
    }
    const writer = {
      dataOwnerId: seal.writer,
      verified: await this.checkWriterProof(type, doc.id, seal, digest),
    }
    this.revisions.accept(type, doc.id, seal)
    let fields: Record<string, unknown> = {}
    try {
      fields = await decryptSelf(key, type, doc.id, meta.encryptedSelf!)
    } catch (e) {
      if (!(e instanceof CryptoError)) throw e
      fail(e.message, e)
    }
    return { key, fields, seal, writer }
  }

  /**
   * The entity key, if shared with the current data owner: every entry addressed to it that opens
   * must hold the same key, and that key must match the seal's commitment (IntegrityError otherwise).
   * Content and clear fields are not checked here (modify and share re-seal or keep the seal).
   */
  async entityKey(type: EntityType, doc: EncryptedEntityDto): Promise<AesKey | undefined> {
    return this.unlock(type, doc)
  }

  /** The checked entity key for the current data owner (see {@link entityKey}); undefined if withheld. */
  private async unlock(type: EntityType, doc: EncryptedEntityDto): Promise<AesKey | undefined> {
    const fail = (reason: string, cause?: unknown): never => {
      throw new IntegrityError(type, doc.id, reason, cause)
    }
    const meta: unknown = doc?.systemMetaData
    if (typeof meta !== 'object' || meta === null) fail('malformed document: no systemMetaData')
    const entries: unknown = doc.systemMetaData.encryptionKeys?.[this.selfId] ?? []
    if (!Array.isArray(entries)) fail('malformed document: its key entries are not a list')
    const opened: { owner: string; raw: Uint8Array }[] = []
    let tampered = false
    let lost = false
    for (const e of entries as DelegationDto[]) {
      if (typeof e?.owner !== 'string' || typeof e.key !== 'string') {
        tampered = true
        continue
      }
      const raw = await this.unwrapFromOwner(type, doc.id, e, 'ek')
      if (raw) opened.push({ owner: e.owner, raw })
      // The exchange keys from that owner are known but do not open the entry: it was changed, unless
      // the pair has records this device cannot open (shared with a key it has lost since).
      else if (this.exchangeKeys.hasUnopened(e.owner, this.selfId)) lost = true
      else if ((await this.incomingKeys(e.owner, false)).length > 0) tampered = true
    }
    // Only for a data owner whose own entries are under pairs it lost: one without entries is not
    // given the key by the entries it wrote for others.
    if (opened.length === 0 && !tampered && lost && (await this.exchangeKeys.lostOwnKeys())) {
      const own = await this.fromOwnEntriesForOthers(type, doc)
      opened.push(...own.opened)
      tampered = own.tampered
    }
    if (opened.length === 0) {
      // Withheld means "no key of ours for it" (e.g. shared with a key since lost); an entry we hold
      // the exchange key for but that does not open is tampering, and is refused as such.
      if (tampered)
        fail('its key entry for this data owner was changed: it does not open with the exchange key')
      return undefined
    }
    const first = opened[0].raw
    if (opened.some((o) => o.raw.length !== first.length || o.raw.some((b, i) => b !== first[i])))
      fail('its key entries for this data owner hold different entity keys')
    let key: AesKey | undefined
    try {
      key = await importAesKey(first)
    } catch (e) {
      if (!(e instanceof CryptoError)) throw e
      fail(e.message, e)
    }
    const seal = doc.systemMetaData.seal
    if (!seal) fail('unsupported protocol version 1: it has no seal (protocol v1, or not written by the SDK)')
    // The key must be the one the seal commits to, also where the content is not checked (modify and
    // share): otherwise a key chosen by someone else would be used to encrypt and share from then on.
    if ((await keyCommitment(key!, type, doc.id)) !== seal!.commitment)
      fail('the entity key does not match the key commitment of the seal')
    const owners = new Set(opened.map((o) => o.owner))
    // A creator gives itself the key when it creates the entity: an entity that claims to be ours but
    // whose key came only from someone else is a key substitution (checked here, so that modify and
    // share never use such a key either).
    if (seal!.creator === this.selfId && !owners.has(this.selfId))
      fail(`it claims data owner ${this.selfId} as creator, but its key was not given by that data owner`)
    this.revisions.checkKey(type, doc.id, seal!)
    await this.creations.check(type, doc.id, seal!)
    return key
  }

  /**
   * The entity key from the entries the current data owner wrote for other data owners, under
   * K(self -> other): how a data owner that lost its key reads what it had shared, once the other
   * gave its new key access to that pair (giveAccessBackTo). Tried only when its own entries do not
   * open; entries that do not open here are not tampering (the pair may not have been given back).
   */
  private async fromOwnEntriesForOthers(
    type: EntityType,
    doc: EncryptedEntityDto,
  ): Promise<{ opened: { owner: string; raw: Uint8Array }[]; tampered: boolean }> {
    const out: { owner: string; raw: Uint8Array }[] = []
    let tampered = false
    const maps: unknown = doc.systemMetaData.encryptionKeys
    if (typeof maps !== 'object' || maps === null) return { opened: out, tampered }
    for (const [delegate, entries] of Object.entries(maps as Record<string, unknown>)) {
      if (delegate === this.selfId || !Array.isArray(entries)) continue
      const own = (entries as DelegationDto[]).filter(
        (e) => e?.owner === this.selfId && typeof e.key === 'string' && !e.tags?.includes(ENTITY_KEY_TAG),
      )
      if (own.length === 0) continue
      let keys: AesKey[]
      try {
        keys = await this.exchangeKeys.keysToRead(delegate)
      } catch (e) {
        // An id the server refuses (not a data owner) gives no key, as for incoming entries.
        if (e instanceof SdkError && e.status >= 400 && e.status < 500) continue
        throw e
      }
      for (const e of own) {
        let raw: Uint8Array | undefined
        for (const xk of keys) {
          try {
            raw = await unwrapValue(xk, 'ek', type, doc.id, delegate, e.key)
            break
          } catch (err) {
            if (!(err instanceof CryptoError)) throw err
          }
        }
        if (raw) out.push({ owner: this.selfId, raw })
        // Every record of the pair opens, yet the entry does not: it was changed.
        else if (keys.length > 0 && !this.exchangeKeys.hasUnopened(this.selfId, delegate)) tampered = true
      }
    }
    return { opened: out, tampered }
  }

  /**
   * Checks the writer proof addressed to the current data owner, under K(writer -> self). True when it
   * verifies; false when there is none (the writer never shared directly with us); IntegrityError when
   * one is present but wrong, or when the seal names us as writer without our proof.
   */
  private async checkWriterProof(
    type: EntityType,
    id: string,
    seal: EntitySeal,
    digest: string,
  ): Promise<boolean> {
    const proof = seal.proofs?.[this.selfId]
    if (proof === undefined) {
      if (seal.writer === this.selfId)
        throw new IntegrityError(type, id, `it names data owner ${this.selfId} as writer without its proof`)
      return false
    }
    for (const refresh of [false, true]) {
      for (const xk of await this.incomingKeys(seal.writer, refresh)) {
        if (constantTimeEqual(await writerProof(xk, type, id, this.selfId, digest), proof)) return true
      }
    }
    // The proof may be under an exchange key of the pair this data owner can no longer open (it lost
    // the key it was shared with): the writer is then unproven, not forged.
    if (this.exchangeKeys.hasUnopened(seal.writer, this.selfId)) return false
    throw new IntegrityError(
      type,
      id,
      `its writer proof does not verify: it was not written by ${seal.writer}`,
    )
  }

  /** The entity's secret ids readable by the current data owner (patients link children with them). */
  async secretIdsOf(type: EntityType, doc: EncryptedEntityDto): Promise<string[]> {
    return this.valuesOf(type, doc, 'delegations', 'sid')
  }

  /** Ids of the parent patient readable by the current data owner. */
  async parentIdsOf(type: EntityType, doc: EncryptedEntityDto, key?: AesKey): Promise<string[]> {
    return this.valuesOf(type, doc, 'cryptedForeignKeys', 'fk', key)
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
   * When the current data owner wrote the current revision, it adds its writer proof for the delegate.
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
    const seal = meta.seal
    if (key && seal && seal.writer === this.selfId && !seal.proofs?.[delegate]) {
      const digest = await sealDigest(sealedContent(type, doc), seal)
      const proof = await writerProof(await this.exchangeKeys.keyTo(delegate), type, doc.id, delegate, digest)
      meta.seal = { ...seal, proofs: { ...seal.proofs, [delegate]: proof } }
    }
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
    knownKey?: AesKey,
  ): Promise<string[]> {
    const entries = doc.systemMetaData[map]?.[this.selfId] ?? []
    if (entries.length === 0) return []
    const key =
      knownKey ??
      (entries.some((e) => e.tags?.includes(ENTITY_KEY_TAG)) ? await this.entityKey(type, doc) : undefined)
    const values = new Set<string>()
    // Values under the entity key first: every data owner with the entity reads them, so a child
    // linked with one stays findable by its parent after any one data owner loses its key (a value
    // under an exchange key is lost with the self pair it was wrapped under).
    const tagged = (e: DelegationDto) => (e.tags?.includes(ENTITY_KEY_TAG) ? 0 : 1)
    for (const e of [...entries].sort((x, y) => tagged(x) - tagged(y))) {
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
      for (const xk of await this.incomingKeys(e.owner, refresh)) {
        try {
          return await unwrapValue(xk, purpose, type, id, this.selfId, e.key)
        } catch (err) {
          if (!(err instanceof CryptoError)) throw err
        }
      }
    }
    return undefined
  }

  /**
   * Whether the exchange keys from `owner` may be fetched again now: at most once per
   * REFRESH_INTERVAL_MS per owner, so that entries that do not open (new keys since the cache was
   * filled, or bogus entries planted in every entity of a list) cost one refetch, not one per entity.
   */
  private mayRefresh(owner: string): boolean {
    const now = Date.now()
    if (now - (this.refreshedAt.get(owner) ?? 0) < EntityCrypto.REFRESH_INTERVAL_MS) return false
    this.refreshedAt.set(owner, now)
    return true
  }

  /** One second: longer than a list's decryption burst, shorter than any human turnaround. */
  static readonly REFRESH_INTERVAL_MS = 1000

  /**
   * K(owner -> self) for an owner id read from a document. An id the server refuses (not a data owner,
   * not even a UUID: 4xx) gives no key, so that one bad entry makes its entity unreadable, never the
   * whole list fail; network and server failures still reject.
   */
  private async incomingKeys(owner: string, refresh: boolean): Promise<AesKey[]> {
    try {
      return await this.exchangeKeys.keysFrom(owner, refresh && this.mayRefresh(owner))
    } catch (e) {
      if (e instanceof SdkError && e.status >= 400 && e.status < 500) return []
      throw e
    }
  }
}
