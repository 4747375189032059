import type { SortableFilterBuilder } from './filter-dsl.ts'
import { NoOpFilter, type Filter } from './filter.ts'
import type { User } from '../models/index.ts'

/** A user filter the builder collects: by ids (intersected) or by patient id (must agree). */
type Part =
  | { $type: 'UserByIdsFilter'; ids: string[]; sortKey: boolean }
  | { $type: 'UsersByPatientIdFilter'; patientId: string; sortKey: boolean }

/** The `sort` decorator of UserFilter: the same criteria, the one added marked as the sort key. */
export interface UserFilterSortable {
  byIds(ids: string[]): UserFilter
  byPatientId(patientId: string): UserFilter
}

/**
 * MedTech's `UserFilter` builder: `byIds(ids)`, `byPatientId(patientId)`, then `build()`. Criteria
 * accumulate as in MedTech (docs/medtech-api.md §4.4): id lists intersect, patient ids must all be
 * the same, several criteria make an IntersectionFilter, none makes `AllUsersFilter`, and criteria
 * that cannot match anything make a NoOpFilter (the API then answers without a request).
 */
export class UserFilter implements SortableFilterBuilder<User, UserFilterSortable> {
  private readonly parts: Part[] = []

  /** `api` is accepted for MedTech compatibility: user filters need no data owner. */
  constructor(_api?: unknown) {}

  /** Users among these ids. */
  byIds(ids: string[]): UserFilter {
    this.parts.push({ $type: 'UserByIdsFilter', ids: [...ids], sortKey: false })
    return this
  }

  /** The user of this patient. */
  byPatientId(patientId: string): UserFilter {
    this.parts.push({ $type: 'UsersByPatientIdFilter', patientId, sortKey: false })
    return this
  }

  /** Adds the next criterion as the sort key (its filter comes first in an intersection). */
  get sort(): UserFilterSortable {
    const mark = (builder: UserFilter) => {
      builder.parts[builder.parts.length - 1].sortKey = true
      return builder
    }
    return {
      byIds: (ids) => mark(this.byIds(ids)),
      byPatientId: (patientId) => mark(this.byPatientId(patientId)),
    }
  }

  /** The filter of the criteria added so far (a Promise, as the MedTech builders' `build`). */
  build(): Promise<Filter<User>> {
    return Promise.resolve(this.filter())
  }

  private filter(): Filter<User> {
    const filters: (Filter<User> & { sortKey?: boolean })[] = []
    const byIds = this.parts.filter((p) => p.$type === 'UserByIdsFilter')
    if (byIds.length > 0) {
      const first = byIds.find((p) => p.sortKey) ?? byIds[0]
      const ids = first.ids.filter((id) => byIds.every((p) => p.ids.includes(id)))
      if (ids.length === 0) return noOp()
      filters.push({ $type: 'UserByIdsFilter', ids, sortKey: byIds.some((p) => p.sortKey) } as Filter<User>)
    }
    const byPatient = this.parts.filter((p) => p.$type === 'UsersByPatientIdFilter')
    if (byPatient.length > 0) {
      if (byPatient.some((p) => p.patientId !== byPatient[0].patientId)) return noOp()
      filters.push({
        $type: 'UsersByPatientIdFilter',
        patientId: byPatient[0].patientId,
        sortKey: byPatient.some((p) => p.sortKey),
      } as Filter<User>)
    }
    // Groups in the order their first criterion was added; the one holding the sort key first.
    const firstOf = (t: string) => this.parts.findIndex((p) => p.$type === t)
    filters.sort((a, b) => firstOf(a.$type) - firstOf(b.$type))
    const ordered = [...filters.filter((f) => f.sortKey), ...filters.filter((f) => !f.sortKey)].map(
      ({ sortKey: _s, ...f }) => f,
    )
    if (ordered.length === 0) return { $type: 'AllUsersFilter' }
    if (ordered.length === 1) return ordered[0]
    return { $type: 'IntersectionFilter', filters: ordered } as Filter<User>
  }
}

/** MedTech's NoOp result, with its console warning. */
function noOp(): Filter<User> {
  console.warn('Warning: the filter you built cannot be resolved and will return no entity')
  return new NoOpFilter<User>()
}
