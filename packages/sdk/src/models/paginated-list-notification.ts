import {
  applyFields,
  marshalFields,
  wrapArray,
  wrapOptional,
  type Marshalled,
  type ModelInit,
} from './model-utils.ts'
import { Notification } from './notification.ts'
import { PaginatedDocumentKeyAndIdPairObject } from './paginated-document-key-and-id-pair-object.ts'

/** One page of notifications returned by a filter query, with the key of the next page. */
export class PaginatedListNotification {
  /** Requested page size. */
  declare pageSize: number
  /** Total number of matching notifications (as reported by the server). */
  declare totalSize: number
  /** The notifications of this page (default `[]`, re-wrapped as {@link Notification}). */
  declare rows: Notification[]
  /** Where the next page starts; its fields are undefined on the last page. */
  declare nextKeyPair?: PaginatedDocumentKeyAndIdPairObject

  /** Copies the given fields, re-wrapping the rows and the next key pair. */
  constructor(json: ModelInit<PaginatedListNotification>) {
    const source = json ?? {}
    Object.assign(this, source)
    applyFields<PaginatedListNotification>(this, {
      rows: wrapArray(source.rows, Notification),
      nextKeyPair: wrapOptional(source.nextKeyPair, PaginatedDocumentKeyAndIdPairObject),
    })
  }

  /** Plain JSON form of this page (rows marshalled). */
  marshal(): Marshalled<PaginatedListNotification> {
    return marshalFields(this) as Marshalled<PaginatedListNotification>
  }
}
