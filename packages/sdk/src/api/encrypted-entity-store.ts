import { CryptoError, type AesKey } from '@cairn/crypto'
import {
  DEFAULT_BODY_LIMIT,
  DEFAULT_PAGE_SIZE,
  ENTITY_DESCRIPTORS,
  ENTITY_ROUTES,
  MAX_BATCH_SIZE,
  MAX_PAGE_SIZE,
  type EncryptedEntityDto,
  type EntityType,
  type FilterDto,
  type PaginatedListDto,
} from '@cairn/protocol'
import { SdkError } from '../http/sdk-error.ts'
import { IntegrityError } from '../crypto/integrity-error.ts'
import type { OpenedEntity } from '../crypto/entity-crypto.ts'
import { forceUuid, metaToWire, modelJson, splitFields, type Marshallable } from '../mappers/wire.ts'
import { requireSelf, type ApiContext } from './api-context.ts'
import { splitIntoBatches, utf8Length } from './request-batches.ts'
import { assertEncryptedFits, assertFitsBeforeEncryption } from './entity-size.ts'

/** A model of an encrypted entity. */
export interface EntityModel extends Marshallable {
  id?: string
  rev?: string
  systemMetaData?: Marshallable
}

/** How one entity type maps between its model and the wire (see entity-models.ts). */
export interface EntityKind<M extends EntityModel> {
  type: EntityType
  /** Builds the model from JSON (clear fields, decrypted fields and metadata). */
  fromJson(json: Record<string, unknown>): M
}

/** The fields of a stored document that the server sets (rev, times, author, responsible). */
function serverManaged(answer: EncryptedEntityDto): Partial<EncryptedEntityDto> {
  const { rev, created, modified, author, responsible } = answer
  return { rev, created, modified, author, responsible }
}

/**
 * The page size of a filter call: MedTech's default (1000, the server's) when none is given; a size
 * the server would refuse fails here, with the allowed range.
 */
export function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_SIZE
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE)
    throw new SdkError('BAD_REQUEST', `limit must be an integer from 1 to ${MAX_PAGE_SIZE} (got ${limit})`)
  return limit
}

/** Shared-data kinds applied when creating medical entities (docs/protocol.md, operations). */
const AUTO_SHARE_KINDS = ['all', 'medicalInformation'] as const

/**
 * The client side of one encrypted entity type: encrypts on create/modify (with automatic sharing
 * on create only), decrypts on read, shares with optimistic concurrency. Batches go to the server
 * in one request (one transaction) per MAX_BATCH_SIZE entities or DEFAULT_BODY_LIMIT bytes.
 */
export class EncryptedEntityStore<M extends EntityModel> {
  private readonly routes: (typeof ENTITY_ROUTES)[EntityType]
  /** Fields that only exist inside `encryptedSelf`, from the entity's descriptor. */
  private readonly encryptedFields: readonly string[]

  /**
   * @param options.keepWithheld lists keep the entities whose content is withheld (marked
   *   `systemMetaData.contentWithheld`) instead of leaving them out: for notifications, whose clear
   *   fields (type, status, responsible) mean something on their own.
   */
  constructor(
    private readonly ctx: ApiContext,
    private readonly kind: EntityKind<M>,
    private readonly options: { keepWithheld?: boolean } = {},
  ) {
    this.routes = ENTITY_ROUTES[kind.type]
    this.encryptedFields = ENTITY_DESCRIPTORS[kind.type].encryptedFields
  }

  /** Data owners the current user automatically shares new medical data with (never itself). */
  autoDelegates(): string[] {
    const self = this.ctx.selfId
    const ids = new Set<string>()
    for (const kind of AUTO_SHARE_KINDS)
      for (const id of this.ctx.user.sharingDataWith[kind] ?? []) ids.add(id)
    if (self) ids.delete(self)
    return [...ids]
  }

  /**
   * The fields of each model, split into clear and to-be-encrypted ones, once every model is known to
   * fit on the server: an entity too large for it fails the whole call before anything is encrypted.
   */
  private split(models: readonly M[]) {
    const parts = models.map((model) => {
      const id = forceUuid(model.id)
      const { clear, secret } = splitFields(model.marshal() as Record<string, unknown>, this.encryptedFields)
      return { model, id, clear, secret }
    })
    for (const { id, clear, secret } of parts)
      assertFitsBeforeEncryption(`${this.kind.type} ${id}`, clear, secret)
    return parts
  }

  /**
   * Encrypts and creates new entities; `parent` links children to a patient secret id. `delegates`
   * (besides the current data owner) default to the automatic sharing of medical data
   * ({@link autoDelegates}); notifications name theirs.
   */
  async create(
    models: readonly M[],
    parent?: { patientId: string; secretId: string },
    delegates: readonly string[] = this.autoDelegates(),
  ): Promise<M[]> {
    const { crypto } = requireSelf(this.ctx)
    const prepared = await Promise.all(
      this.split(models).map(async ({ id, clear, secret }) => {
        const { meta, key } = await crypto.newMetadata(this.kind.type, id, delegates, parent)
        meta.encryptedSelf = await crypto.encryptFields(this.kind.type, id, key, secret)
        assertEncryptedFits(`${this.kind.type} ${id}`, meta.encryptedSelf)
        delete clear.rev
        const doc = { ...clear, id, systemMetaData: meta } as EncryptedEntityDto
        meta.seal = await crypto.seal(this.kind.type, doc, key)
        return { doc, secret }
      }),
    )
    const created = await this.send('POST', prepared)
    // Remembered once the server accepted them: a create refused (e.g. a taken id) records nothing.
    await crypto.creations.remember(
      this.kind.type,
      prepared.map((p) => ({ id: p.doc.id, commitment: p.doc.systemMetaData.seal!.commitment })),
    )
    return created
  }

  /** Re-encrypts and saves modified entities (each with its rev; a stale rev rejects with 409, nothing saved). */
  async modify(models: readonly M[]): Promise<M[]> {
    const { crypto } = requireSelf(this.ctx)
    const prepared = await Promise.all(
      this.split(models).map(async ({ model, id, clear, secret }) => {
        let meta = metaToWire(model.systemMetaData)
        let key: AesKey | undefined
        if (meta) {
          key = await crypto.entityKey(this.kind.type, {
            ...clear,
            id,
            systemMetaData: meta,
          })
        } else {
          // Metadata the app did not read through the SDK: the stored revision is verified in full
          // before a new one is written over it (IntegrityError otherwise), and its key is used.
          const stored = await this.fetch(id)
          key = (await crypto.open(this.kind.type, stored))?.key
          meta = stored.systemMetaData
        }
        const doc = { ...clear, id, rev: model.rev, systemMetaData: meta } as EncryptedEntityDto
        // Protocol v2: every revision is sealed under the entity key, so only a holder of the key can
        // write one that readers accept (clear fields included).
        if (!key) {
          throw new SdkError(
            'FORBIDDEN',
            `Cannot modify ${this.kind.type} ${id}: its key is not shared with data owner ${this.ctx.selfId}`,
          )
        }
        meta.encryptedSelf = await crypto.encryptFields(this.kind.type, id, key, secret)
        assertEncryptedFits(`${this.kind.type} ${id}`, meta.encryptedSelf)
        meta.seal = await crypto.seal(this.kind.type, doc, key, meta.seal)
        return { doc, secret }
      }),
    )
    return this.send('PUT', prepared)
  }

  /** The stored document (403/404 reject). */
  fetch(id: string): Promise<EncryptedEntityDto> {
    return this.ctx.http.call(this.routes.get, { params: { id } })
  }

  /**
   * Opens a stored document into its model. `decrypted` is false when the current data owner holds no
   * usable key (the content is withheld: the model has no encrypted field and is marked so). Rejects with
   * IntegrityError when it holds a key but the entity does not verify.
   */
  async decrypt(doc: EncryptedEntityDto): Promise<{ model: M; decrypted: boolean; key?: AesKey }> {
    const { crypto } = requireSelf(this.ctx)
    let opened: OpenedEntity | undefined
    try {
      opened = await crypto.open(this.kind.type, doc)
    } catch (e) {
      if (e instanceof CryptoError) throw new IntegrityError(this.kind.type, doc.id, e.message, e)
      // Wrong types where the protocol expects arrays, objects or strings: a malformed document.
      if (e instanceof TypeError || e instanceof RangeError)
        throw new IntegrityError(this.kind.type, String(doc?.id), `malformed document: ${e.message}`, e)
      throw e
    }
    const json = modelJson(doc, this.encryptedFields, opened?.fields)
    const meta = json.systemMetaData as Record<string, unknown>
    json.systemMetaData = opened ? { ...meta, writer: opened.writer } : { ...meta, contentWithheld: true }
    return { model: this.kind.fromJson(json), decrypted: opened !== undefined, key: opened?.key }
  }

  /** Fetches and decrypts one entity. */
  async get(id: string): Promise<{ model: M; decrypted: boolean; doc: EncryptedEntityDto }> {
    const doc = await this.fetch(id)
    return { ...(await this.decrypt(doc)), doc }
  }

  /** The wire document of a model as it stands (metadata and ciphertext as read), fetched if the model lacks them. */
  async wireOf(model: M): Promise<EncryptedEntityDto> {
    const id = forceUuid(model.id)
    const meta = metaToWire(model.systemMetaData)
    if (!meta || !model.rev) return this.fetch(id)
    const { clear } = splitFields(model.marshal() as Record<string, unknown>, this.encryptedFields)
    return { ...clear, id, rev: model.rev, systemMetaData: meta }
  }

  /**
   * Shares an entity with a data owner. Already shared -> the same model, nothing written. The
   * entity's rev must be current: a stale one rejects (409) and nothing changes.
   */
  async share(model: M, delegate: string): Promise<M> {
    const { crypto } = requireSelf(this.ctx)
    const doc = await this.wireOf(model)
    const shared = await crypto.share(this.kind.type, doc, delegate)
    if (!shared) return model
    const saved = await this.ctx.http.call(this.routes.modify, { body: shared.doc })
    return (await this.decrypt(saved)).model
  }

  /**
   * Every entity matching `filter` (all pages) that opens and verifies for the current data owner.
   * The others never make the list fail: each is reported once to the integrity handler (withheld:
   * no usable key; integrity: it does not verify; or refused by `accept`, e.g. not linked to the
   * patient asked for) and left out.
   */
  async all(
    filter: FilterDto,
    accept?: (doc: EncryptedEntityDto, key: AesKey) => Promise<string | undefined>,
  ): Promise<M[]> {
    requireSelf(this.ctx)
    const fetchPage = (start?: string): Promise<PaginatedListDto<EncryptedEntityDto>> =>
      this.ctx.http.call(this.routes.filter, {
        body: { filter },
        query: { limit: DEFAULT_PAGE_SIZE, startDocumentId: start },
      })
    const out: M[] = []
    // The next page is fetched while the current one is decrypted: network and crypto overlap.
    let pending: Promise<PaginatedListDto<EncryptedEntityDto>> | undefined = fetchPage()
    while (pending) {
      const page: PaginatedListDto<EncryptedEntityDto> = await pending
      const next = page.nextKeyPair.startKeyDocId
      pending = next ? fetchPage(next) : undefined
      try {
        const models = await Promise.all(page.rows.map((d) => this.listed(d, accept)))
        for (const m of models) if (m) out.push(m)
      } catch (e) {
        pending?.catch(() => undefined) // the prefetch is abandoned: its failure must not go unhandled
        throw e
      }
    }
    return out
  }

  /**
   * One page of the entities matching `filter` from `startId` (MedTech `filterX`): the rows that open
   * and verify for the current data owner (the others are reported, as lists do, and left out), the
   * number of matches in all, and the id the next page starts at (undefined on the last page).
   */
  async page(
    filter: FilterDto,
    startId: string | undefined,
    limit: number | undefined,
  ): Promise<{ rows: M[]; totalSize: number; nextId?: string }> {
    requireSelf(this.ctx)
    const page = await this.ctx.http.call(this.routes.filter, {
      body: { filter },
      query: { limit: pageLimit(limit), startDocumentId: startId },
    })
    const models = await Promise.all(page.rows.map((d) => this.listed(d)))
    return {
      rows: models.filter((m): m is Awaited<M> => m !== undefined),
      totalSize: page.totalSize,
      nextId: page.nextKeyPair.startKeyDocId,
    }
  }

  /** Ids of every entity matching `filter` that the current data owner may read (MedTech `matchX`). */
  match(filter: FilterDto): Promise<string[]> {
    requireSelf(this.ctx)
    return this.ctx.http.call(this.routes.match, { body: { filter } })
  }

  /** One entity of a list: its model, or undefined after reporting why it is left out. */
  private async listed(
    doc: EncryptedEntityDto,
    accept?: (doc: EncryptedEntityDto, key: AesKey) => Promise<string | undefined>,
  ): Promise<M | undefined> {
    const report = (kind: 'integrity' | 'withheld', reason: string) => {
      this.ctx.reportIntegrity({ kind, entityType: this.kind.type, entityId: String(doc.id), reason })
      return undefined
    }
    try {
      const { model, key } = await this.decrypt(doc)
      if (!key) {
        if (this.options.keepWithheld) return model
        return report('withheld', 'no key of the current data owner opens it')
      }
      const refused = accept ? await accept(doc, key) : undefined
      return refused ? report('integrity', refused) : model
    } catch (e) {
      if (e instanceof IntegrityError) return report('integrity', e.reason)
      // A malformed document (wrong types, absurd nesting) must not make the list fail: only network
      // and server failures do.
      if (!(e instanceof SdkError))
        return report('integrity', `malformed document: ${String((e as Error)?.message ?? e)}`)
      throw e
    }
  }

  /**
   * Sends prepared documents in batches and rebuilds models from the stored result and the clear
   * secrets. A batch holds at most MAX_BATCH_SIZE documents and its body stays within the server's
   * default body limit (DEFAULT_BODY_LIMIT), so that creating thousands of entities works whatever
   * their size; a document too large for any request fails before anything is sent. Each batch is
   * one transaction on the server, so a failure leaves the earlier batches saved.
   */
  private async send(
    method: 'POST' | 'PUT',
    prepared: { doc: EncryptedEntityDto; secret: Record<string, unknown> }[],
  ): Promise<M[]> {
    const sizes = prepared.map((p) => utf8Length(JSON.stringify(p.doc)))
    const batches = splitIntoBatches(
      sizes,
      MAX_BATCH_SIZE,
      DEFAULT_BODY_LIMIT,
      (i) => `${this.kind.type} ${prepared[i].doc.id}`,
    )
    const out: M[] = []
    for (const [start, end] of batches) {
      const chunk = prepared.slice(start, end)
      const saved = await this.sendBatch(
        method,
        chunk.map((p) => p.doc),
      )
      saved.forEach((answer, j) => {
        // The model is what this client sent (it sealed it), not what the server answered: only the
        // fields the server manages come from the answer, so a forged answer cannot become a revision
        // this client later seals as its own. What it wrote is the newest revision it has seen.
        const sent = chunk[j].doc
        if (answer?.id !== sent.id)
          throw new SdkError(
            'INTERNAL',
            `The server answered ${String(answer?.id)} for ${this.kind.type} ${sent.id}`,
          )
        const doc = { ...sent, ...serverManaged(answer) } as EncryptedEntityDto
        const seal = sent.systemMetaData.seal
        if (seal) requireSelf(this.ctx).crypto.revisions.accept(this.kind.type, doc.id, seal)
        const json = modelJson(doc, this.encryptedFields, chunk[j].secret)
        const meta = json.systemMetaData as Record<string, unknown>
        json.systemMetaData = { ...meta, writer: { dataOwnerId: this.ctx.selfId, verified: true } }
        out.push(this.kind.fromJson(json))
      })
    }
    return out
  }

  /**
   * One batch request. A server configured with a smaller body limit than the default answers 413
   * before it reads anything: the batch is then sent in two halves (a single document keeps the 413,
   * whose message states the server's limit).
   */
  private async sendBatch(method: 'POST' | 'PUT', docs: EncryptedEntityDto[]): Promise<EncryptedEntityDto[]> {
    try {
      return await this.ctx.http.call(method === 'POST' ? this.routes.createBatch : this.routes.modifyBatch, {
        body: docs,
      })
    } catch (e) {
      if (!(e instanceof SdkError) || e.status !== 413 || docs.length < 2) throw e
      const half = Math.ceil(docs.length / 2)
      return [
        ...(await this.sendBatch(method, docs.slice(0, half))),
        ...(await this.sendBatch(method, docs.slice(half))),
      ]
    }
  }
}
