import type { ModelInit } from './model-utils.ts'
import { PaginatedList } from './paginated-list.ts'
import { HealthcareElement } from './healthcare-element.ts'

/** One page of healthcare elements returned by a filter query, with the key of the next page. */
export class PaginatedListHealthcareElement extends PaginatedList<HealthcareElement> {
  /** Copies the given fields, re-wrapping the rows as {@link HealthcareElement}. */
  constructor(json: ModelInit<PaginatedList<HealthcareElement>>) {
    super(json, HealthcareElement)
  }
}
