import { CodingReference } from './coding-reference.ts'
import { Content } from './content.ts'
import { Identifier } from './identifier.ts'
import {
  applyFields,
  copyOptionalRecord,
  marshalFields,
  wrapArray,
  wrapOptional,
  wrapRecord,
  wrapSet,
  type Marshalled,
  type ModelInit,
} from './model-utils.ts'
import { SystemMetaDataEncrypted } from './system-meta-data-encrypted.ts'

/**
 * A medical observation about a patient (a measure, a note, a document, ...), with its content by
 * language, its codes and labels, and the healthcare elements it relates to.
 *
 * Cairn differences from the original model:
 * - `rev`: in Cairn every data sample is its own encrypted entity with its own revision; the SDK uses it
 *   for optimistic concurrency (the original had no `rev`, versioning went through the batch).
 * - `systemMetaData` is built as a {@link SystemMetaDataEncrypted} (its declared type), not as patient
 *   owner metadata, so a sample never carries owner-only fields.
 */
export class DataSample {
  /** Id of the data sample (UUID). */
  declare id?: string
  /** Revision of this data sample (Cairn: each sample has its own revision). */
  declare rev?: string
  /** Id of the transaction the sample was created in. */
  declare transactionId?: string
  /** Business identifiers (default `[]`). */
  declare identifiers: Identifier[]
  /** Id of the batch (the samples created or modified together). */
  declare batchId?: string
  /** Ids of the healthcare elements this sample relates to (default empty). */
  declare healthcareElementIds?: Set<string>
  /** Ids of the canvases (forms) this sample belongs to (default empty). */
  declare canvasesIds?: Set<string>
  /** Position of the sample in its batch. */
  declare index?: number
  /** Content by ISO language code (default `{}`); plain objects are re-wrapped as {@link Content}. */
  declare content: { [languageIso: string]: Content }
  /** Date of the value (YYYYMMDDhhmmss). */
  declare valueDate?: number
  /** Start of the observation (YYYYMMDDhhmmss). */
  declare openingDate?: number
  /** End of the observation (YYYYMMDDhhmmss). */
  declare closingDate?: number
  /** Creation time (epoch ms). */
  declare created?: number
  /** Last modification time (epoch ms). */
  declare modified?: number
  /** Soft-deletion time (epoch ms). */
  declare endOfLife?: number
  /** Id of the user who created the sample. */
  declare author?: string
  /** Id of the data owner responsible for the sample. */
  declare responsible?: string
  /** Free-text comment. */
  declare comment?: string
  /** Links to other entities: by link type, by key, the linked id. No default. */
  declare qualifiedLinks: { [linkType: string]: { [key: string]: string } }
  /** Codes qualifying the content (default empty). */
  declare codes: Set<CodingReference>
  /** Labels classifying the sample (default empty). */
  declare labels: Set<CodingReference>
  /** Crypto bookkeeping. */
  declare systemMetaData?: SystemMetaDataEncrypted

  /** Copies the given fields and normalises identifiers, Sets, content and metadata. */
  constructor(json: ModelInit<DataSample>) {
    const source = json ?? {}
    Object.assign(this, source)
    applyFields<DataSample>(this, {
      identifiers: wrapArray(source.identifiers, Identifier),
      healthcareElementIds: wrapSet<string>(source.healthcareElementIds),
      canvasesIds: wrapSet<string>(source.canvasesIds),
      content: wrapRecord(source.content, Content),
      qualifiedLinks: copyOptionalRecord(source.qualifiedLinks),
      codes: wrapSet(source.codes, CodingReference),
      labels: wrapSet(source.labels, CodingReference),
      systemMetaData: wrapOptional(source.systemMetaData, SystemMetaDataEncrypted),
    })
  }

  /** Plain JSON form of this sample (Sets become arrays, content marshalled). */
  marshal(): Marshalled<DataSample> {
    return marshalFields(this) as Marshalled<DataSample>
  }
}
