import type { ModelInit } from './model-utils.ts'
import { PaginatedList } from './paginated-list.ts'
import { Coding } from './coding.ts'

/** One page of codings returned by a filter query, with the key of the next page. */
export class PaginatedListCoding extends PaginatedList<Coding> {
  /** Copies the given fields, re-wrapping the rows as {@link Coding}. */
  constructor(json: ModelInit<PaginatedList<Coding>>) {
    super(json, Coding)
  }
}
