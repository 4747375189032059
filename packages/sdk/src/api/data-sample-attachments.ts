import {
  CryptoError,
  encryptAttachment,
  openAttachment,
  sha256,
  ua2hex,
  type AesKey,
  type AttachmentTarget,
} from '@cairn/crypto'
import { ROUTES, type EncryptedEntityDto } from '@cairn/protocol'
import { Content, Document, type DataSample } from '../models/index.ts'
import { SdkError } from '../http/sdk-error.ts'
import { requireSelf, type ApiContext } from './api-context.ts'
import type { EncryptedEntityStore } from './encrypted-entity-store.ts'
import { attachmentBody, responseBytes } from './attachment-body.ts'
import { mainUtiOf } from './main-uti.ts'

/** Language of the content entry an attachment goes in when none is given (MedTech's default). */
const DEFAULT_LANGUAGE = 'en'

/** Fields of a Document kept in an attachment's encrypted header (docs/protocol.md, "Attachments"). */
const HEADER_FIELDS = [
  'id',
  'name',
  'version',
  'externalUuid',
  'hash',
  'size',
  'mainUti',
  'created',
  'author',
  'responsible',
] as const

/** A data sample opened with its key: the model, its wire document and the entity key. */
interface OpenedSample {
  model: DataSample
  doc: EncryptedEntityDto
  key: AesKey
}

/**
 * The attachments of data samples (MedTech `setDataSampleAttachment` and co., medtech-api.md §2.2),
 * end-to-end encrypted (docs/protocol.md, "Attachments"): the bytes are encrypted in chunks under a key
 * derived from the sample's entity key, with the document metadata (name, version, external id, hash,
 * size, type) in an encrypted header, and streamed to and from the server. Whoever can decrypt the
 * sample can decrypt its attachments; the server sees ciphertext, sizes and ids only. The sample's
 * content entry holds the document id (`content[language].documentId`), sealed with the sample.
 */
export class DataSampleAttachments {
  constructor(
    private readonly ctx: ApiContext,
    private readonly store: EncryptedEntityStore<DataSample>,
  ) {}

  /**
   * Encrypts and uploads `body` as a new document, then sets `content[language ?? 'en'].documentId`
   * to it (the entry's other fields kept) in a new revision of the sample. A document this replaces in
   * that entry is deleted once the sample is saved. If saving the sample fails (a stale rev: 409), the
   * upload is deleted again and the error rethrown.
   */
  async set(
    dataSampleId: string,
    body: ArrayBuffer | ArrayBufferView,
    name?: string,
    version?: string,
    externalUuid?: string,
    language?: string,
  ): Promise<Document> {
    const { selfId, crypto } = requireSelf(this.ctx)
    const bytes = bytesOf(body)
    const sample = await this.open(dataSampleId, 'set an attachment to')
    const [patientId] = await crypto.parentIdsOf('dataSample', sample.doc, sample.key)
    if (!patientId)
      throw new SdkError('BAD_REQUEST', 'Can not set an attachment to a data sample not linked to a patient')
    const documentId = globalThis.crypto.randomUUID()
    const document = new Document({
      id: documentId,
      name,
      version,
      externalUuid,
      hash: ua2hex(await sha256(bytes)),
      size: bytes.length,
      mainUti: mainUtiOf(name),
      created: Date.now(),
      author: this.ctx.user.id,
      responsible: selfId,
    })
    let encrypted
    try {
      encrypted = await encryptAttachment(
        sample.key,
        target(dataSampleId, documentId),
        headerOf(document),
        bytes,
      )
    } catch (e) {
      if (e instanceof CryptoError && e.code === 'BAD_INPUT')
        throw new SdkError(
          'BAD_REQUEST',
          `Cannot set an attachment to dataSample ${dataSampleId}: ${e.message}`,
          {
            cause: e,
          },
        )
      throw e
    }
    const params = { id: dataSampleId, documentId }
    await this.ctx.http.upload(ROUTES.setDataSampleAttachment, { params }, attachmentBody(encrypted))

    const lang = language ?? DEFAULT_LANGUAGE
    const model = sample.model
    const replaced = model.content[lang]?.documentId
    model.content = { ...model.content, [lang]: new Content({ ...model.content[lang], documentId }) }
    try {
      await this.store.modify([model])
    } catch (e) {
      await this.deleteStored(dataSampleId, documentId)
      throw e
    }
    const stillUsed = Object.values(model.content).some((c) => c.documentId === replaced)
    if (replaced && !stillUsed) await this.deleteStored(dataSampleId, replaced)
    return document
  }

  /**
   * The decrypted bytes of an attachment of the sample. Every chunk is authenticated as it arrives, and
   * the whole is checked against the size and SHA-256 hash in its encrypted header.
   */
  async content(dataSampleId: string, documentId: string): Promise<ArrayBuffer> {
    const sample = await this.open(dataSampleId, 'read the attachments of')
    assertReferenced(sample.model, documentId)
    const response = await this.ctx.http.download(ROUTES.getDataSampleAttachment, {
      params: { id: dataSampleId, documentId },
    })
    const fail = (reason: string, cause?: unknown) =>
      new SdkError(
        'DECRYPTION',
        `Cannot decrypt attachment ${documentId} of dataSample ${dataSampleId}: ${reason}`,
        {
          cause,
        },
      )
    try {
      const opened = await openAttachment(
        sample.key,
        target(dataSampleId, documentId),
        responseBytes(response),
      )
      const size = opened.header.size
      const announced = response.headers.get('content-length')
      // The size is the writer's claim: it must fit in what was actually sent (when the answer says how
      // much) before anything is allocated for it.
      if (
        typeof size !== 'number' ||
        !Number.isSafeInteger(size) ||
        size < 0 ||
        (announced !== null && size > Number(announced))
      ) {
        await opened.close()
        throw fail(`its header gives an impossible size (${String(size)})`)
      }
      const out = new Uint8Array(size)
      let filled = 0
      for await (const chunk of opened.chunks()) {
        if (filled + chunk.length > out.length) throw fail('it is longer than its header says')
        out.set(chunk, filled)
        filled += chunk.length
      }
      if (filled !== out.length) throw fail('it is shorter than its header says')
      if (ua2hex(await sha256(out)) !== opened.header.hash) throw fail('its content does not match its hash')
      return out.buffer
    } catch (e) {
      if (e instanceof CryptoError) throw fail(e.message, e)
      throw e
    }
  }

  /** The Document of an attachment of the sample, from its encrypted header (the content is not downloaded). */
  async document(dataSampleId: string, documentId: string): Promise<Document> {
    const sample = await this.open(dataSampleId, 'read the attachments of')
    assertReferenced(sample.model, documentId)
    const response = await this.ctx.http.download(ROUTES.getDataSampleAttachment, {
      params: { id: dataSampleId, documentId },
    })
    try {
      const opened = await openAttachment(
        sample.key,
        target(dataSampleId, documentId),
        responseBytes(response),
      )
      await opened.close()
      const fields: Record<string, unknown> = {}
      for (const f of HEADER_FIELDS) if (opened.header[f] !== undefined) fields[f] = opened.header[f]
      return new Document({ ...fields, id: documentId })
    } catch (e) {
      if (e instanceof CryptoError)
        throw new SdkError(
          'DECRYPTION',
          `Cannot decrypt attachment ${documentId} of dataSample ${dataSampleId}: ${e.message}`,
          { cause: e },
        )
      throw e
    }
  }

  /**
   * Removes the content entries of the sample that reference the document (a new revision), then
   * deletes the stored attachment. Returns the document id.
   */
  async delete(dataSampleId: string, documentId: string): Promise<string> {
    const sample = await this.open(dataSampleId, 'delete an attachment of')
    const model = sample.model
    const languages = Object.keys(model.content).filter((l) => model.content[l].documentId === documentId)
    if (languages.length === 0)
      throw new SdkError(
        'NOT_FOUND',
        `Could not find attachment ${documentId} in the data sample ${dataSampleId}`,
      )
    const content = { ...model.content }
    for (const l of languages) delete content[l]
    model.content = content
    await this.store.modify([model])
    await this.ctx.http
      .call(ROUTES.deleteDataSampleAttachment, { params: { id: dataSampleId, documentId } })
      .catch((e: unknown) => {
        // Already gone (e.g. a retried call): what was asked is done.
        if (!(e instanceof SdkError && e.status === 404)) throw e
      })
    return documentId
  }

  /** Fetches and opens the sample; a sample whose key is not shared with the caller is refused. */
  private async open(dataSampleId: string, action: string): Promise<OpenedSample> {
    const doc = await this.store.fetch(dataSampleId)
    const { model, key } = await this.store.decrypt(doc)
    if (!key)
      throw new SdkError(
        'FORBIDDEN',
        `Cannot ${action} dataSample ${dataSampleId}: its key is not shared with data owner ${this.ctx.selfId}`,
      )
    return { model, doc, key }
  }

  /** Deletes a stored attachment, best effort: cleaning up must not hide the error being reported. */
  private async deleteStored(dataSampleId: string, documentId: string): Promise<void> {
    await this.ctx.http
      .call(ROUTES.deleteDataSampleAttachment, { params: { id: dataSampleId, documentId } })
      .catch(() => undefined)
  }
}

/** The attachment context of the format: a data sample and a document id. */
function target(dataSampleId: string, documentId: string): AttachmentTarget {
  return { entityType: 'dataSample', entityId: dataSampleId, documentId }
}

/** The Document fields that go in the encrypted header. */
function headerOf(document: Document): Record<string, unknown> {
  const header: Record<string, unknown> = {}
  for (const f of HEADER_FIELDS) if (document[f] !== undefined) header[f] = document[f]
  return header
}

/** MedTech's check that a content entry of the sample references the document. */
function assertReferenced(sample: DataSample, documentId: string): void {
  if (!Object.values(sample.content).some((c) => c.documentId === documentId))
    throw new SdkError(
      'NOT_FOUND',
      `Id ${documentId} does not reference any document in the data sample ${sample.id}`,
    )
}

/** The bytes of an ArrayBuffer or a view of one (a Node Buffer, a Uint8Array), without copying. */
function bytesOf(body: ArrayBuffer | ArrayBufferView): Uint8Array {
  if (body instanceof ArrayBuffer) return new Uint8Array(body)
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength)
  throw new SdkError('BAD_REQUEST', 'The attachment body must be an ArrayBuffer (or a view of one)')
}
