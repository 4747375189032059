import {
  applyFields,
  marshalFields,
  wrapArray,
  wrapOptional,
  type Marshalled,
  type ModelInit,
} from './model-utils.ts'
import { MedicalDevice } from './medical-device.ts'
import { PaginatedDocumentKeyAndIdPairObject } from './paginated-document-key-and-id-pair-object.ts'

/** One page of medical devices returned by a filter query, with the key of the next page. */
export class PaginatedListMedicalDevice {
  /** Requested page size. */
  declare pageSize: number
  /** Total number of matching medical devices (as reported by the server). */
  declare totalSize: number
  /** The medical devices of this page (default `[]`, re-wrapped as {@link MedicalDevice}). */
  declare rows: MedicalDevice[]
  /** Where the next page starts; its fields are undefined on the last page. */
  declare nextKeyPair?: PaginatedDocumentKeyAndIdPairObject

  /** Copies the given fields, re-wrapping the rows and the next key pair. */
  constructor(json: ModelInit<PaginatedListMedicalDevice>) {
    const source = json ?? {}
    Object.assign(this, source)
    applyFields<PaginatedListMedicalDevice>(this, {
      rows: wrapArray(source.rows, MedicalDevice),
      nextKeyPair: wrapOptional(source.nextKeyPair, PaginatedDocumentKeyAndIdPairObject),
    })
  }

  /** Plain JSON form of this page (rows marshalled). */
  marshal(): Marshalled<PaginatedListMedicalDevice> {
    return marshalFields(this) as Marshalled<PaginatedListMedicalDevice>
  }
}
