import {
  applyFields,
  marshalFields,
  wrapArray,
  wrapOptional,
  type Marshalled,
  type ModelInit,
} from './model-utils.ts'
import { Patient } from './patient.ts'
import { PaginatedDocumentKeyAndIdPairObject } from './paginated-document-key-and-id-pair-object.ts'

/** One page of patients returned by a filter query, with the key of the next page. */
export class PaginatedListPatient {
  /** Requested page size. */
  declare pageSize: number
  /** Total number of matching patients (as reported by the server). */
  declare totalSize: number
  /** The patients of this page (default `[]`, re-wrapped as {@link Patient}). */
  declare rows: Patient[]
  /** Where the next page starts; its fields are undefined on the last page. */
  declare nextKeyPair?: PaginatedDocumentKeyAndIdPairObject

  /** Copies the given fields, re-wrapping the rows and the next key pair. */
  constructor(json: ModelInit<PaginatedListPatient>) {
    const source = json ?? {}
    Object.assign(this, source)
    applyFields<PaginatedListPatient>(this, {
      rows: wrapArray(source.rows, Patient),
      nextKeyPair: wrapOptional(source.nextKeyPair, PaginatedDocumentKeyAndIdPairObject),
    })
  }

  /** Plain JSON form of this page (rows marshalled). */
  marshal(): Marshalled<PaginatedListPatient> {
    return marshalFields(this) as Marshalled<PaginatedListPatient>
  }
}
