import {
  applyFields,
  marshalFields,
  wrapArray,
  wrapOptional,
  type Marshalled,
  type ModelInit,
} from './model-utils.ts'
import { User } from './user.ts'
import { PaginatedDocumentKeyAndIdPairObject } from './paginated-document-key-and-id-pair-object.ts'

/** One page of users returned by a filter query, with the key of the next page. */
export class PaginatedListUser {
  /** Requested page size. */
  declare pageSize: number
  /** Total number of matching users (as reported by the server). */
  declare totalSize: number
  /** The users of this page (default `[]`, re-wrapped as {@link User}). */
  declare rows: User[]
  /** Where the next page starts; its fields are undefined on the last page. */
  declare nextKeyPair?: PaginatedDocumentKeyAndIdPairObject

  /** Copies the given fields, re-wrapping the rows and the next key pair. */
  constructor(json: ModelInit<PaginatedListUser>) {
    const source = json ?? {}
    Object.assign(this, source)
    applyFields<PaginatedListUser>(this, {
      rows: wrapArray(source.rows, User),
      nextKeyPair: wrapOptional(source.nextKeyPair, PaginatedDocumentKeyAndIdPairObject),
    })
  }

  /** Plain JSON form of this page (rows marshalled). */
  marshal(): Marshalled<PaginatedListUser> {
    return marshalFields(this) as Marshalled<PaginatedListUser>
  }
}
