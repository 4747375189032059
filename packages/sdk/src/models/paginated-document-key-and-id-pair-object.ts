import { marshalFields, type Marshalled, type ModelInit } from './model-utils.ts'

/** The position of the next page of a paginated list: the start key and the id of its first document. */
export class PaginatedDocumentKeyAndIdPairObject {
  /** Key of the first element of the next page (its shape depends on the query). */
  declare startKey?: unknown
  /** Id of the first element of the next page. */
  declare startKeyDocId?: string

  /** Copies the given fields. */
  constructor(json: ModelInit<PaginatedDocumentKeyAndIdPairObject>) {
    Object.assign(this, json)
  }

  /** Plain JSON form of this key pair. */
  marshal(): Marshalled<PaginatedDocumentKeyAndIdPairObject> {
    return marshalFields(this)
  }
}
