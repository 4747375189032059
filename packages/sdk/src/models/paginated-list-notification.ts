import type { ModelInit } from './model-utils.ts'
import { PaginatedList } from './paginated-list.ts'
import { Notification } from './notification.ts'

/** One page of notifications returned by a filter query, with the key of the next page. */
export class PaginatedListNotification extends PaginatedList<Notification> {
  /** Copies the given fields, re-wrapping the rows as {@link Notification}. */
  constructor(json: ModelInit<PaginatedList<Notification>>) {
    super(json, Notification)
  }
}
