import {
  applyFields,
  marshalFields,
  wrapArray,
  wrapOptional,
  type Marshalled,
  type ModelClass,
  type ModelInit,
} from './model-utils.ts'
import { PaginatedDocumentKeyAndIdPairObject } from './paginated-document-key-and-id-pair-object.ts'

/**
 * One page of a filter query: its rows (re-wrapped in the row model class) and where the next page
 * starts. The MedTech `PaginatedList<Entity>` classes are this class bound to their row class.
 */
export abstract class PaginatedList<T> {
  /** Requested page size. */
  declare pageSize: number
  /** Total number of matches (as reported by the server). */
  declare totalSize: number
  /** The rows of this page (default `[]`). */
  declare rows: T[]
  /** Where the next page starts; its fields are undefined on the last page. */
  declare nextKeyPair?: PaginatedDocumentKeyAndIdPairObject

  /** Copies the given fields, re-wrapping the rows in `rowClass` and the next key pair. */
  protected constructor(json: ModelInit<PaginatedList<T>> | undefined, rowClass: ModelClass<T>) {
    const source = json ?? {}
    Object.assign(this, source)
    applyFields<PaginatedList<T>>(this, {
      rows: wrapArray(source.rows, rowClass),
      nextKeyPair: wrapOptional(source.nextKeyPair, PaginatedDocumentKeyAndIdPairObject),
    })
  }

  /** Plain JSON form of this page (rows marshalled). */
  marshal(): Marshalled<PaginatedList<T>> {
    return marshalFields(this) as Marshalled<PaginatedList<T>>
  }
}
