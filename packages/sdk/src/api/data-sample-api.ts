import type { EncryptedEntityDto } from '@cairn/protocol'
import {
  DataSample,
  type Connection,
  type Document,
  PaginatedListDataSample,
  type Patient,
} from '../models/index.ts'
import { SdkError } from '../http/sdk-error.ts'
import { requireSelf, type ApiContext } from './api-context.ts'
import type { Filter } from '../filter/filter.ts'
import { filterEntities, matchEntities } from './search.ts'
import { EncryptedEntityStore } from './encrypted-entity-store.ts'
import { linkedTo } from './linked-to.ts'
import { ENTITY_KINDS } from './entity-models.ts'
import { DataSampleAttachments } from './data-sample-attachments.ts'
import { deleteEntities } from './entity-deletion.ts'
import { withLinkRefusalMessage } from './health-element-link-error.ts'
import { filterToDto } from '../mappers/filter-mapper.ts'
import { subscribe } from '../realtime/subscribe.ts'
import { openEventEntity } from '../realtime/entity-event.ts'
import type { SubscriptionOptions } from '../realtime/subscription-options.ts'

/** Current local time as the MedTech fuzzy date-time YYYYMMDDhhmmss. */
export function nowAsFuzzyDateTime(d = new Date()): number {
  const p = (n: number) => String(n).padStart(2, '0')
  return Number(
    `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`,
  )
}

/**
 * MedTech `DataSampleApi`. In Cairn every sample is its own encrypted entity with its own rev;
 * `batchId` groups the samples created together and is kept when they are modified.
 */
export class DataSampleApi {
  private readonly store: EncryptedEntityStore<DataSample>
  private readonly attachments: DataSampleAttachments

  constructor(
    private readonly ctx: ApiContext,
    private readonly patients: {
      secretIdsOfId(patientId: string): Promise<string[]>
      secretIdsOf(p: Patient): Promise<string[]>
    },
  ) {
    this.store = new EncryptedEntityStore(ctx, ENTITY_KINDS.dataSample)
    this.attachments = new DataSampleAttachments(ctx, this.store)
  }

  /** Creates or modifies one sample of a patient. */
  async createOrModifyDataSampleFor(patientId: string, dataSample: DataSample): Promise<DataSample> {
    const [saved] = await this.createOrModifyDataSamplesFor(patientId, [dataSample])
    if (!saved)
      throw new SdkError(
        'INTERNAL',
        `Could not create / modify data sample ${dataSample.id} for patient ${patientId}`,
      )
    return saved
  }

  /**
   * Creates (no rev) or modifies (rev) samples of one batch for a patient. New samples are linked
   * to the patient through one of its secret ids and shared with the user's automatic delegates.
   */
  async createOrModifyDataSamplesFor(patientId: string, dataSamples: DataSample[]): Promise<DataSample[]> {
    if (dataSamples.length === 0) return []
    const samples = dataSamples.map((d) => (d instanceof DataSample ? d : new DataSample(d)))
    if (new Set(samples.map((s) => s.batchId)).size > 1) {
      throw new SdkError(
        'BAD_REQUEST',
        'Only data samples of a same batch (with the same batchId) can be processed together',
      )
    }
    const { crypto } = requireSelf(this.ctx)
    const toModify = samples.filter((s) => s.rev)
    const toCreate = samples.filter((s) => !s.rev)
    for (const s of toModify) {
      const doc = await this.store.wireOf(s)
      const parents = await crypto.parentIdsOf('dataSample', doc)
      if (parents.length > 0 && !parents.includes(patientId)) {
        throw new SdkError(
          'BAD_REQUEST',
          "Can't update the patient of a batch of data samples. Delete those samples and create new ones",
        )
      }
    }
    // Modifications first: a stale rev (409) then rejects before anything new is saved.
    const modified =
      toModify.length > 0 ? await withLinkRefusalMessage(() => this.store.modify(toModify)) : []
    let created: DataSample[] = []
    if (toCreate.length > 0) {
      const [secretId] = await this.patients.secretIdsOfId(patientId)
      if (!secretId) {
        throw new SdkError(
          'FORBIDDEN',
          `Data owner ${this.ctx.selfId} cannot link data to patient ${patientId}: none of its secret ids is shared with it`,
        )
      }
      const batchId = toCreate[0].batchId ?? globalThis.crypto.randomUUID()
      const now = nowAsFuzzyDateTime()
      const prepared = toCreate.map((s, index) => {
        const valueDate = s.valueDate ?? now
        return new DataSample({
          ...s,
          batchId,
          index: s.index ?? index,
          valueDate,
          openingDate: s.openingDate ?? valueDate,
          qualifiedLinks: s.qualifiedLinks ?? {},
        })
      })
      created = await withLinkRefusalMessage(() => this.store.create(prepared, { patientId, secretId }))
    }
    const byId = new Map([...created, ...modified].map((s) => [s.id, s]))
    return samples.map((s) => (s.rev ? byId.get(s.id)! : created[toCreate.indexOf(s)]))
  }

  /** A sample shared with the current data owner (rejects otherwise); content is `{}` if not decryptable. */
  async getDataSample(dataSampleId: string): Promise<DataSample> {
    return (await this.store.get(dataSampleId)).model
  }

  /** Shares the sample; no write if already shared; stale rev -> rejects (409). */
  async giveAccessTo(dataSample: DataSample, delegatedTo: string): Promise<DataSample> {
    return this.store.share(dataSample, delegatedTo)
  }

  /** Every sample of the patient shared with the current data owner (all pages). */
  async getDataSamplesForPatient(patient: Patient): Promise<DataSample[]> {
    const { selfId } = requireSelf(this.ctx)
    const secretIds = await this.patients.secretIdsOf(patient)
    if (secretIds.length === 0) return []
    return this.store.all(
      {
        $type: 'DataSampleByHealthcarePartyPatientFilter',
        healthcarePartyId: selfId,
        patientSecretForeignKeys: secretIds,
      },
      linkedTo(requireSelf(this.ctx).crypto, 'dataSample', patient.id!, secretIds),
    )
  }

  /** Deletes a sample the current data owner is a delegate of; returns its id (MedTech). */
  async deleteDataSample(dataSampleId: string): Promise<string> {
    const [deleted] = await deleteEntities(this.ctx, 'dataSample', [dataSampleId])
    if (!deleted?.id) throw new SdkError('INTERNAL', `Could not delete data sample ${dataSampleId}`)
    return deleted.id
  }

  /**
   * Deletes samples; returns their ids (MedTech). Up to MAX_BATCH_SIZE ids are deleted in one
   * transaction: all of them, or none when one is unknown or not shared with the current data owner.
   */
  async deleteDataSamples(requestBody: string[]): Promise<string[]> {
    if (requestBody.length === 0) return []
    const deleted = await deleteEntities(this.ctx, 'dataSample', requestBody)
    return deleted.map((d) => d.id)
  }

  /** One page of the samples matching `filter` (MedTech filter objects or the DataSampleFilter DSL). */
  filterDataSample(
    filter: Filter<DataSample>,
    nextDataSampleId?: string,
    limit?: number,
  ): Promise<PaginatedListDataSample> {
    return filterEntities(this.store, 'DataSample', PaginatedListDataSample, filter, nextDataSampleId, limit)
  }

  /** Ids of every sample matching `filter` that the current data owner may read. */
  matchDataSample(filter: Filter<DataSample>): Promise<string[]> {
    return matchEntities(this.store, 'DataSample', filter)
  }

  /**
   * Realtime data-sample events (MedTech §2.11, docs/realtime.md): `eventFired` gets each created,
   * modified (or shared) or deleted sample the current data owner may read and `filter` (the filter
   * objects of {@link filterDataSample}; undefined: every one) matches, opened as
   * {@link getDataSample} opens it (whatever the data owner's kind: MedTech's quirk of decrypting with
   * `healthcarePartyId` only is not kept), one at a time in order. Resolves once the subscription is
   * live; reconnects after a lost connection and replays what was missed.
   */
  async subscribeToDataSampleEvents(
    eventTypes: ('CREATE' | 'UPDATE' | 'DELETE')[],
    filter: Filter<DataSample> | undefined,
    eventFired: (dataSample: DataSample) => Promise<void>,
    options: SubscriptionOptions = {},
  ): Promise<Connection> {
    requireSelf(this.ctx)
    return subscribe(this.ctx.http, {
      entityType: 'dataSample',
      eventTypes,
      filter: filter === undefined ? undefined : filterToDto(filter, 'DataSample'),
      eventFired,
      options,
      decode: async (event) => (await openEventEntity(this.store, 'dataSample', event)).model,
    })
  }

  /**
   * Encrypts `body` as a new document of the sample (docs/protocol.md, "Attachments"), streams it to
   * the server and sets `content[documentLanguage ?? 'en'].documentId` to it in a new revision of the
   * sample. Returns the Document (name, version, external id, SHA-256 hash, size, type).
   */
  setDataSampleAttachment(
    dataSampleId: string,
    body: ArrayBuffer,
    documentName?: string,
    documentVersion?: string,
    documentExternalUuid?: string,
    documentLanguage?: string,
  ): Promise<Document> {
    return this.attachments.set(
      dataSampleId,
      body,
      documentName,
      documentVersion,
      documentExternalUuid,
      documentLanguage,
    )
  }

  /** The decrypted content of an attachment of the sample (hash and size checked). */
  getDataSampleAttachmentContent(dataSampleId: string, documentId: string): Promise<ArrayBuffer> {
    return this.attachments.content(dataSampleId, documentId)
  }

  /** The Document of an attachment of the sample, from its encrypted header. */
  getDataSampleAttachmentDocument(dataSampleId: string, documentId: string): Promise<Document> {
    return this.attachments.document(dataSampleId, documentId)
  }

  /** Removes the content entry referencing the document and deletes the attachment; returns its id. */
  deleteAttachment(dataSampleId: string, documentId: string): Promise<string> {
    return this.attachments.delete(dataSampleId, documentId)
  }

  /** The owning patient id, if readable by the current data owner. */
  async extractPatientId(dataSample: DataSample): Promise<string | undefined> {
    const { crypto } = requireSelf(this.ctx)
    const doc: EncryptedEntityDto = await this.store.wireOf(dataSample)
    return (await crypto.parentIdsOf('dataSample', doc))[0]
  }
}
