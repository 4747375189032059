import type { User } from '../models/index.ts'
import type { Filter } from './filter.ts'
import { FilterAccumulator } from './filter-accumulator.ts'
import { SortableFilterBuilder } from './filter-builder.ts'
import { listOf } from './filter-fields.ts'
import { sortStep } from './sort-step.ts'

/** The `sort` decorator of UserFilter: the same criteria, the one added marked as the sort key. */
export interface UserFilterSortable {
  byIds(ids: string[]): UserFilter
  byPatientId(patientId: string): UserFilter
}

/**
 * MedTech's `UserFilter` builder: `byIds(ids)`, `byPatientId(patientId)`, then `build()`. Criteria
 * accumulate as in MedTech (medtech-api.md §4.4): id lists intersect, patient ids must all be
 * the same, several criteria make an IntersectionFilter, none makes `AllUsersFilter`, and criteria
 * that cannot match anything make a NoOpFilter (the API then answers without a request).
 */
export class UserFilter extends SortableFilterBuilder<User, UserFilterSortable> {
  readonly _builderAccumulator = new FilterAccumulator<User>()

  /** `api` is accepted for MedTech compatibility: user filters need no data owner. */
  constructor(_api?: unknown) {
    super()
  }

  /** Users among these ids. */
  byIds(ids: string[]): UserFilter {
    this._builderAccumulator.addByIds(
      { $type: 'UserByIdsFilter', ids: listOf(ids, 'UserFilter.byIds(ids)') } as Filter<User>,
      'ids',
    )
    return this
  }

  /** The user of this patient. */
  byPatientId(patientId: string): UserFilter {
    this._builderAccumulator.addSingleton({ $type: 'UsersByPatientIdFilter', patientId } as Filter<User>)
    return this
  }

  /** Adds the next criterion as the sort key (its filter comes first in an intersection). */
  get sort(): UserFilterSortable {
    return sortStep<UserFilterSortable>(this, this._builderAccumulator, ['byIds', 'byPatientId'])
  }

  /** The filter of the criteria added so far (a Promise, as the MedTech builders' `build`). */
  build(): Promise<Filter<User>> {
    return this._builderAccumulator.build(() => ({ $type: 'AllUsersFilter' }))
  }
}
