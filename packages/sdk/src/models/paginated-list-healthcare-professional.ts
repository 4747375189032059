import type { ModelInit } from './model-utils.ts'
import { PaginatedList } from './paginated-list.ts'
import { HealthcareProfessional } from './healthcare-professional.ts'

/** One page of healthcare professionals returned by a filter query, with the key of the next page. */
export class PaginatedListHealthcareProfessional extends PaginatedList<HealthcareProfessional> {
  /** Copies the given fields, re-wrapping the rows as {@link HealthcareProfessional}. */
  constructor(json: ModelInit<PaginatedList<HealthcareProfessional>>) {
    super(json, HealthcareProfessional)
  }
}
