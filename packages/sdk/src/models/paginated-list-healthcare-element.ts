import {
  applyFields,
  marshalFields,
  wrapArray,
  wrapOptional,
  type Marshalled,
  type ModelInit,
} from './model-utils.ts'
import { HealthcareElement } from './healthcare-element.ts'
import { PaginatedDocumentKeyAndIdPairObject } from './paginated-document-key-and-id-pair-object.ts'

/** One page of healthcare elements returned by a filter query, with the key of the next page. */
export class PaginatedListHealthcareElement {
  /** Requested page size. */
  declare pageSize: number
  /** Total number of matching healthcare elements (as reported by the server). */
  declare totalSize: number
  /** The healthcare elements of this page (default `[]`, re-wrapped as {@link HealthcareElement}). */
  declare rows: HealthcareElement[]
  /** Where the next page starts; its fields are undefined on the last page. */
  declare nextKeyPair?: PaginatedDocumentKeyAndIdPairObject

  /** Copies the given fields, re-wrapping the rows and the next key pair. */
  constructor(json: ModelInit<PaginatedListHealthcareElement>) {
    const source = json ?? {}
    Object.assign(this, source)
    applyFields<PaginatedListHealthcareElement>(this, {
      rows: wrapArray(source.rows, HealthcareElement),
      nextKeyPair: wrapOptional(source.nextKeyPair, PaginatedDocumentKeyAndIdPairObject),
    })
  }

  /** Plain JSON form of this page (rows marshalled). */
  marshal(): Marshalled<PaginatedListHealthcareElement> {
    return marshalFields(this) as Marshalled<PaginatedListHealthcareElement>
  }
}
