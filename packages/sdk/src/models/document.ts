import { applyFields, marshalFields, wrapSet, type Marshalled, type ModelInit } from './model-utils.ts'

/** Metadata of a stored binary document (an attachment of a data sample, see `Content.documentId`). */
export class Document {
  /** Id of the document (UUID). */
  declare id?: string
  /** Revision, for optimistic locking. */
  declare rev?: string
  /** Creation time (epoch ms). */
  declare created?: number
  /** Last modification time (epoch ms). */
  declare modified?: number
  /** Id of the user who created the document. */
  declare author?: string
  /** Id of the data owner responsible for the document. */
  declare responsible?: string
  /** Id of the medical location where the document was created. */
  declare medicalLocationId?: string
  /** Soft-deletion time (epoch ms). */
  declare deletionDate?: number
  /** Reference of the content in an object store. */
  declare objectStoreReference?: string
  /** Main uniform type identifier of the content (e.g. `public.jpeg`). */
  declare mainUti?: string
  /** Name of the document. */
  declare name?: string
  /** Version of the document. */
  declare version?: string
  /** Other uniform type identifiers of the content (default empty). */
  declare otherUtis: Set<string>
  /** External id of the document. */
  declare externalUuid?: string
  /** Size in bytes. */
  declare size?: number
  /** Hex SHA-256 of the content. */
  declare hash?: string
  /** Id of the attachment holding the content. */
  declare attachmentId?: string

  /** Copies the given fields; `otherUtis` becomes a new Set (default empty). */
  constructor(json: ModelInit<Document>) {
    const source = json ?? {}
    Object.assign(this, source)
    applyFields<Document>(this, { otherUtis: wrapSet<string>(source.otherUtis) })
  }

  /** Plain JSON form of this document. */
  marshal(): Marshalled<Document> {
    return marshalFields(this) as Marshalled<Document>
  }
}
