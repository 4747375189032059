import {
  applyFields,
  marshalFields,
  wrapArray,
  wrapOptional,
  type Marshalled,
  type ModelInit,
} from './model-utils.ts'
import { HealthcareProfessional } from './healthcare-professional.ts'
import { PaginatedDocumentKeyAndIdPairObject } from './paginated-document-key-and-id-pair-object.ts'

/** One page of healthcare professionals returned by a filter query, with the key of the next page. */
export class PaginatedListHealthcareProfessional {
  /** Requested page size. */
  declare pageSize: number
  /** Total number of matching healthcare professionals (as reported by the server). */
  declare totalSize: number
  /** The healthcare professionals of this page (default `[]`, re-wrapped as {@link HealthcareProfessional}). */
  declare rows: HealthcareProfessional[]
  /** Where the next page starts; its fields are undefined on the last page. */
  declare nextKeyPair?: PaginatedDocumentKeyAndIdPairObject

  /** Copies the given fields, re-wrapping the rows and the next key pair. */
  constructor(json: ModelInit<PaginatedListHealthcareProfessional>) {
    const source = json ?? {}
    Object.assign(this, source)
    applyFields<PaginatedListHealthcareProfessional>(this, {
      rows: wrapArray(source.rows, HealthcareProfessional),
      nextKeyPair: wrapOptional(source.nextKeyPair, PaginatedDocumentKeyAndIdPairObject),
    })
  }

  /** Plain JSON form of this page (rows marshalled). */
  marshal(): Marshalled<PaginatedListHealthcareProfessional> {
    return marshalFields(this) as Marshalled<PaginatedListHealthcareProfessional>
  }
}
