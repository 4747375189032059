import {
  applyFields,
  marshalFields,
  wrapArray,
  wrapOptional,
  type Marshalled,
  type ModelInit,
} from './model-utils.ts'
import { DataSample } from './data-sample.ts'
import { PaginatedDocumentKeyAndIdPairObject } from './paginated-document-key-and-id-pair-object.ts'

/** One page of data samples returned by a filter query, with the key of the next page. */
export class PaginatedListDataSample {
  /** Requested page size. */
  declare pageSize: number
  /** Total number of matching data samples (as reported by the server). */
  declare totalSize: number
  /** The data samples of this page (default `[]`, re-wrapped as {@link DataSample}). */
  declare rows: DataSample[]
  /** Where the next page starts; its fields are undefined on the last page. */
  declare nextKeyPair?: PaginatedDocumentKeyAndIdPairObject

  /** Copies the given fields, re-wrapping the rows and the next key pair. */
  constructor(json: ModelInit<PaginatedListDataSample>) {
    const source = json ?? {}
    Object.assign(this, source)
    applyFields<PaginatedListDataSample>(this, {
      rows: wrapArray(source.rows, DataSample),
      nextKeyPair: wrapOptional(source.nextKeyPair, PaginatedDocumentKeyAndIdPairObject),
    })
  }

  /** Plain JSON form of this page (rows marshalled). */
  marshal(): Marshalled<PaginatedListDataSample> {
    return marshalFields(this) as Marshalled<PaginatedListDataSample>
  }
}
