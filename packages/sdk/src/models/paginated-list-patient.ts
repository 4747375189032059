import type { ModelInit } from './model-utils.ts'
import { PaginatedList } from './paginated-list.ts'
import { Patient } from './patient.ts'

/** One page of patients returned by a filter query, with the key of the next page. */
export class PaginatedListPatient extends PaginatedList<Patient> {
  /** Copies the given fields, re-wrapping the rows as {@link Patient}. */
  constructor(json: ModelInit<PaginatedList<Patient>>) {
    super(json, Patient)
  }
}
