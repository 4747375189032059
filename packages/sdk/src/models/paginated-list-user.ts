import type { ModelInit } from './model-utils.ts'
import { PaginatedList } from './paginated-list.ts'
import { User } from './user.ts'

/** One page of users returned by a filter query, with the key of the next page. */
export class PaginatedListUser extends PaginatedList<User> {
  /** Copies the given fields, re-wrapping the rows as {@link User}. */
  constructor(json: ModelInit<PaginatedList<User>>) {
    super(json, User)
  }
}
