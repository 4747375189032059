import {
  applyFields,
  marshalFields,
  wrapArray,
  wrapOptional,
  type Marshalled,
  type ModelInit,
} from './model-utils.ts'
import { Coding } from './coding.ts'
import { PaginatedDocumentKeyAndIdPairObject } from './paginated-document-key-and-id-pair-object.ts'

/** One page of codings returned by a filter query, with the key of the next page. */
export class PaginatedListCoding {
  /** Requested page size. */
  declare pageSize: number
  /** Total number of matching codings (as reported by the server). */
  declare totalSize: number
  /** The codings of this page (default `[]`, re-wrapped as {@link Coding}). */
  declare rows: Coding[]
  /** Where the next page starts; its fields are undefined on the last page. */
  declare nextKeyPair?: PaginatedDocumentKeyAndIdPairObject

  /** Copies the given fields, re-wrapping the rows and the next key pair. */
  constructor(json: ModelInit<PaginatedListCoding>) {
    const source = json ?? {}
    Object.assign(this, source)
    applyFields<PaginatedListCoding>(this, {
      rows: wrapArray(source.rows, Coding),
      nextKeyPair: wrapOptional(source.nextKeyPair, PaginatedDocumentKeyAndIdPairObject),
    })
  }

  /** Plain JSON form of this page (rows marshalled). */
  marshal(): Marshalled<PaginatedListCoding> {
    return marshalFields(this) as Marshalled<PaginatedListCoding>
  }
}
