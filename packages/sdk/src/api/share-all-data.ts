import {
  DEFAULT_BODY_LIMIT,
  ENTITY_ROUTES,
  MAX_BATCH_SIZE,
  type EncryptedEntityDto,
  type FilterDto,
  type PaginatedListDto,
} from '@cairn/protocol'
import { SdkError } from '../http/sdk-error.ts'
import { IntegrityError } from '../crypto/integrity-error.ts'
import type { Patient } from '../models/index.ts'
import { requireSelf, type ApiContext } from './api-context.ts'
import { EncryptedEntityStore, type EntityModel } from './encrypted-entity-store.ts'
import { ENTITY_KINDS } from './entity-models.ts'
import { linkedTo } from './linked-to.ts'
import { splitIntoBatches, utf8Length } from './request-batches.ts'
import { ShareProgress } from './share-progress.ts'
import {
  sharingStatus,
  type GiveAccessToAllDataOptions,
  type SharingFailure,
  type SharingPhase,
  type SharingResult,
  type SharingStatus,
} from './sharing-result.ts'

/** The children of a patient that are shared with it, in the order they are processed. */
const CHILDREN = [
  {
    type: 'dataSample',
    phase: 'dataSamples',
    filter: 'DataSampleByHealthcarePartyPatientFilter',
  },
  {
    type: 'healthcareElement',
    phase: 'healthcareElements',
    filter: 'HealthcareElementByHealthcarePartyPatientFilter',
  },
] as const

type ChildType = (typeof CHILDREN)[number]['type']
type Page = PaginatedListDto<EncryptedEntityDto>

/**
 * Failures that concern the whole call rather than one entity (the server is unreachable or failing,
 * the session is gone): they are thrown, since every other entity would fail the same way, and a new
 * call resumes where this one stopped.
 */
function isFatal(e: unknown): boolean {
  if (!(e instanceof SdkError)) return false
  return e.code === 'NETWORK' || e.status === 401 || e.status >= 500
}

/** The batch size of the options, checked (MAX_BATCH_SIZE by default). */
function batchSizeOf(batchSize: number | undefined): number {
  if (batchSize === undefined) return MAX_BATCH_SIZE
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_SIZE)
    throw new SdkError(
      'BAD_REQUEST',
      `batchSize must be an integer from 1 to ${MAX_BATCH_SIZE} (got ${String(batchSize)})`,
    )
  return batchSize
}

/**
 * MedTech `patientApi.giveAccessToAllDataOf(patientId)`: shares with the patient itself its record
 * and every data sample and healthcare element of it that the current data owner can read, found
 * through the patient's secret ids the caller holds (the same filters as
 * `getDataSamplesForPatient`). It goes a page at a time (`batchSize` entities) and writes each page's
 * shares in one batch request, while the next page is fetched and prepared. Entities already
 * shared with the patient are skipped without a write, so a second call writes nothing. An entity that
 * cannot be shared (its key is withheld from the caller, it does not verify, or it is not linked to
 * the patient) is reported in the status of its kind with a SharingError listing it; the others are
 * shared. Throws for an unknown or unreadable patient (`404 - patient <id> not found`), a patient whose
 * secret ids the caller cannot read, a patient without a trusted public key, and failures of the
 * server or the network.
 */
export async function shareAllDataOf(
  ctx: ApiContext,
  patientStore: EncryptedEntityStore<Patient>,
  patientId: string,
  options: GiveAccessToAllDataOptions = {},
): Promise<SharingResult> {
  const { selfId, crypto } = requireSelf(ctx)
  if (typeof patientId !== 'string' || patientId === '')
    throw new SdkError('BAD_REQUEST', 'giveAccessToAllDataOf needs the id of a patient')
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function')
    throw new SdkError('BAD_REQUEST', 'onProgress must be a function')
  const batchSize = batchSizeOf(options.batchSize)
  const progress = new ShareProgress(options.onProgress)

  // Unknown and unreadable patients answer the same 404 (no existence oracle); a tampered record
  // throws IntegrityError: its secret ids are what finds the data, so nothing is shared then.
  const patientDoc = await patientStore.fetch(patientId)
  const opened = await patientStore.decrypt(patientDoc)
  const secretIds = await crypto.secretIdsOf('patient', patientDoc)
  if (secretIds.length === 0)
    throw new SdkError(
      'FORBIDDEN',
      `Data owner ${selfId} cannot share the data of patient ${patientId}: none of the patient's secret ids is shared with it`,
    )
  // Every share needs the exchange key to the patient: a patient that never logged in (no key) or
  // whose key changed unverified fails here once, with the reason, rather than once per entity.
  await ctx.exchangeKeys?.keyTo(patientId)

  const filters: FilterDto[] = CHILDREN.map((c) => ({
    $type: c.filter,
    healthcarePartyId: selfId,
    patientSecretForeignKeys: secretIds,
  }))
  const fetchPage = (type: ChildType, filter: FilterDto, start?: string): Promise<Page> =>
    ctx.http.call(ENTITY_ROUTES[type].filter, {
      body: { filter },
      query: { limit: batchSize, startDocumentId: start },
    })
  // The first pages give the totals the progress reports count towards.
  const firstPages = await Promise.all(CHILDREN.map((c, i) => fetchPage(c.type, filters[i])))
  progress.expect(1 + firstPages.reduce((n, p) => n + p.totalSize, 0))

  const sharer = new ChildSharer(ctx, patientId, batchSize)
  const { patient, status: patientStatus } = await sharePatient(ctx, patientStore, patientDoc, opened)
  progress.advance('patient', 1)

  const statuses: SharingResult['statuses'] = { patient: patientStatus }
  for (const [i, child] of CHILDREN.entries()) {
    const accept = linkedTo(crypto, child.type, patientId, secretIds)
    let modified = 0
    const failures: SharingFailure[] = []
    let pending: Promise<Page> | undefined = Promise.resolve(firstPages[i])
    // One write in flight while the next page is fetched and prepared: the server's batch write and
    // the client's crypto overlap, and at most two pages of documents are held.
    let writing: Promise<void> | undefined
    try {
      while (pending) {
        const page: Page = await pending
        const next = page.nextKeyPair.startKeyDocId
        // Sharing changes revs, never ids or links, so the id order the pages follow is unaffected.
        pending = next ? fetchPage(child.type, filters[i], next) : undefined
        const prepared = await sharer.prepare(child.type, page.rows, accept)
        failures.push(...prepared.failures)
        await writing
        writing = sharer.write(child.type, prepared.docs, accept, failures).then((written) => {
          modified += written
          progress.advance(child.phase satisfies SharingPhase, page.rows.length)
        })
        // Awaited at the next page or after the last; meanwhile its failure must not go unhandled.
        writing.catch(() => undefined)
      }
      await writing
    } catch (e) {
      pending?.catch(() => undefined) // the prefetch is abandoned: its failure must not go unhandled
      throw e
    }
    statuses[child.phase] = sharingStatus(child.phase, patientId, modified, failures)
  }
  progress.finish()
  return { patient, statuses }
}

/** Shares the patient record with the patient; its failure is reported, not thrown. */
async function sharePatient(
  ctx: ApiContext,
  store: EncryptedEntityStore<Patient>,
  doc: EncryptedEntityDto,
  opened: { model: Patient; decrypted: boolean },
): Promise<{ patient: Patient | undefined; status: SharingStatus }> {
  const { selfId, crypto } = requireSelf(ctx)
  const patientId = doc.id
  const current = opened.decrypted ? opened.model : undefined
  try {
    if (!opened.decrypted)
      throw new SdkError(
        'DECRYPTION',
        `Data owner ${selfId} cannot share patient ${patientId}: the record's key is not shared with it`,
      )
    let stored = doc
    for (let attempt = 0; ; attempt++) {
      const shared = await crypto.share('patient', stored, patientId)
      if (!shared) return { patient: current, status: sharingStatus('patient', patientId, 0, []) }
      try {
        const saved = await ctx.http.call(ENTITY_ROUTES.patient.modify, { body: shared.doc })
        const { model } = await store.decrypt(saved)
        return { patient: model, status: sharingStatus('patient', patientId, 1, []) }
      } catch (e) {
        // The record changed meanwhile (the patient's first login adds its own secret id): once more
        // from the stored revision.
        if (!(e instanceof SdkError) || e.status !== 409 || attempt > 0) throw e
        stored = await store.fetch(patientId)
      }
    }
  } catch (e) {
    if (isFatal(e)) throw e
    return {
      patient: current,
      status: sharingStatus('patient', patientId, 0, [{ entityId: patientId, error: asError(e) }]),
    }
  }
}

/** Shares pages of a patient's children with the patient and writes them in batches. */
class ChildSharer {
  private readonly stores = new Map<ChildType, EncryptedEntityStore<EntityModel>>()

  constructor(
    private readonly ctx: ApiContext,
    private readonly patientId: string,
    private readonly batchSize: number,
  ) {}

  /**
   * Shares the entities of one page in memory: the documents to write, and the entities that cannot be
   * shared. Entities already shared with the patient are neither.
   */
  async prepare(
    type: ChildType,
    rows: readonly EncryptedEntityDto[],
    accept: ReturnType<typeof linkedTo>,
  ): Promise<{ docs: EncryptedEntityDto[]; failures: SharingFailure[] }> {
    const failures: SharingFailure[] = []
    const prepared = await Promise.all(
      rows.map(async (doc) => {
        try {
          return await this.shared(type, doc, accept)
        } catch (e) {
          if (isFatal(e)) throw e
          failures.push({ entityId: String(doc?.id), error: asError(e) })
          return undefined
        }
      }),
    )
    return { docs: prepared.filter((d): d is EncryptedEntityDto => d !== undefined), failures }
  }

  /**
   * The entity shared with the patient, or undefined when it already is (no write). Throws why it
   * cannot be: its key is withheld from the caller, it does not verify, or it is not the patient's.
   */
  private async shared(
    type: ChildType,
    doc: EncryptedEntityDto,
    accept: ReturnType<typeof linkedTo>,
  ): Promise<EncryptedEntityDto | undefined> {
    const { selfId, crypto } = requireSelf(this.ctx)
    if (crypto.isSharedWith(doc, this.patientId)) return undefined
    // Opened and verified in full, as lists do, so that what the patient is given is what the caller
    // would read: never an entity relinked or planted by the server.
    const { key } = await this.store(type).decrypt(doc)
    if (!key)
      throw new SdkError(
        'DECRYPTION',
        `Data owner ${selfId} cannot share ${type} ${doc.id}: its key was shared with a key this data owner no longer holds`,
      )
    const refused = await accept(doc, key)
    if (refused) throw new IntegrityError(type, doc.id, refused)
    return (await crypto.share(type, doc, this.patientId))?.doc
  }

  /**
   * Writes shared documents in batches (at most `batchSize` each, within the server's default body
   * limit). A batch the server refuses as a whole (one stale rev makes it all fail) is written again
   * one entity at a time, so that one entity changed meanwhile does not keep the others from being
   * shared. Returns how many were written; failures are added to `failures`.
   */
  async write(
    type: ChildType,
    docs: EncryptedEntityDto[],
    accept: ReturnType<typeof linkedTo>,
    failures: SharingFailure[],
  ): Promise<number> {
    if (docs.length === 0) return 0
    const sized = docs.map((doc) => ({ doc, size: utf8Length(JSON.stringify(doc)) }))
    // A document too large for one request of the default limit is sent alone: the server's limit may
    // be larger, and if not its 413 is reported for that entity only.
    const alone = sized.filter((s) => s.size + 2 > DEFAULT_BODY_LIMIT).map((s) => s.doc)
    const batched = sized.filter((s) => s.size + 2 <= DEFAULT_BODY_LIMIT)
    const batches = splitIntoBatches(
      batched.map((s) => s.size),
      this.batchSize,
      DEFAULT_BODY_LIMIT,
      (i) => `${type} ${batched[i].doc.id}`,
    )
    let written = 0
    for (const [start, end] of batches) {
      const chunk = batched.slice(start, end).map((s) => s.doc)
      try {
        const saved = await this.ctx.http.call(ENTITY_ROUTES[type].modifyBatch, { body: chunk })
        if (saved.length !== chunk.length || saved.some((s, j) => s?.id !== chunk[j].id))
          throw new SdkError('INTERNAL', `The server answered other ${type} entities than the ones shared`)
        written += chunk.length
      } catch (e) {
        if (isFatal(e) || !(e instanceof SdkError) || e.status === 0) throw e
        written += await this.writeOneByOne(type, chunk, accept, failures)
      }
    }
    return written + (await this.writeOneByOne(type, alone, accept, failures))
  }

  /** Writes shared documents one by one; a stale rev is shared again once from the stored revision. */
  private async writeOneByOne(
    type: ChildType,
    docs: EncryptedEntityDto[],
    accept: ReturnType<typeof linkedTo>,
    failures: SharingFailure[],
  ): Promise<number> {
    let written = 0
    for (const doc of docs) {
      try {
        let current: EncryptedEntityDto | undefined = doc
        for (let attempt = 0; current; attempt++) {
          try {
            await this.ctx.http.call(ENTITY_ROUTES[type].modify, { body: current })
            written++
            break
          } catch (e) {
            if (!(e instanceof SdkError) || e.status !== 409 || attempt > 0) throw e
            current = await this.shared(type, await this.store(type).fetch(doc.id), accept)
          }
        }
      } catch (e) {
        if (isFatal(e)) throw e
        failures.push({ entityId: doc.id, error: asError(e) })
      }
    }
    return written
  }

  private store(type: ChildType): EncryptedEntityStore<EntityModel> {
    let store = this.stores.get(type)
    if (!store) {
      store = new EncryptedEntityStore<EntityModel>(this.ctx, ENTITY_KINDS[type])
      this.stores.set(type, store)
    }
    return store
  }
}

/** What was thrown, as an Error (a failure is reported with its error). */
function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e))
}
