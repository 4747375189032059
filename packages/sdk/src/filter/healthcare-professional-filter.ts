import type { HealthcareProfessional } from '../models/index.ts'
import type {
  AllHealthcareProfessionalsFilter,
  HealthcareProfessionalByIdsFilter,
  HealthcareProfessionalByLabelCodeFilter,
  HealthcareProfessionalByNameFilter,
} from './concrete-filters.ts'
import type { Filter } from './filter.ts'
import { FilterAccumulator } from './filter-accumulator.ts'
import { SortableFilterBuilder } from './filter-builder.ts'
import { definedFields, listOf, requireCriterion } from './filter-fields.ts'
import { sortStep } from './sort-step.ts'

/** The criteria of the healthcare professional builder, each returning `R`. */
export interface HealthcareProfessionalCriteria<R> {
  byIds(ids: string[]): R
  byLabelCodeFilter(labelType?: string, labelCode?: string, codeType?: string, codeCode?: string): R
  byMatches(searchString: string): R
}

/** The builder after `sort.x(...)`: everything but `sort`, so one sort key per chain. */
export interface HealthcareProfessionalFilterSorted extends HealthcareProfessionalCriteria<HealthcareProfessionalFilter> {
  build(): Promise<Filter<HealthcareProfessional>>
}

/** The `sort` decorator of the builder: the same criteria, the one added marked as the sort key. */
export type HealthcareProfessionalFilterSortStep =
  HealthcareProfessionalCriteria<HealthcareProfessionalFilterSorted>

/**
 * MedTech's `HealthcareProfessionalFilter`: the professional directory is public to every signed-in
 * user, so no data owner is involved. Criteria accumulate as medtech-api.md §4.4 says: `byIds`
 * lists intersect, the others are each their own filter; nothing added gives
 * `AllHealthcareProfessionalsFilter`.
 */
export class HealthcareProfessionalFilter
  extends SortableFilterBuilder<HealthcareProfessional, HealthcareProfessionalFilterSortStep>
  implements HealthcareProfessionalCriteria<HealthcareProfessionalFilter>
{
  readonly _builderAccumulator = new FilterAccumulator<HealthcareProfessional>()

  /** `api` is accepted for MedTech compatibility: these filters need no data owner. */
  constructor(_api?: unknown) {
    super()
  }

  /** Healthcare professionals among these ids. */
  byIds(ids: string[]): HealthcareProfessionalFilter {
    const filter: HealthcareProfessionalByIdsFilter = {
      $type: 'HealthcareProfessionalByIdsFilter',
      ids: listOf(ids, 'HealthcareProfessionalFilter.byIds(ids)'),
    }
    this._builderAccumulator.addByIds(filter, 'ids')
    return this
  }

  /**
   * Healthcare professionals with this label and/or code (speciality codes included). Throws at once,
   * with MedTech's message, if none of the four is given.
   */
  byLabelCodeFilter(
    labelType?: string,
    labelCode?: string,
    codeType?: string,
    codeCode?: string,
  ): HealthcareProfessionalFilter {
    requireCriterion([labelType, labelCode, codeType, codeCode])
    this._builderAccumulator.addSimple(
      definedFields<HealthcareProfessionalByLabelCodeFilter>({
        $type: 'HealthcareProfessionalByLabelCodeFilter',
        labelType,
        labelCode,
        codeType,
        codeCode,
      }),
    )
    return this
  }

  /** Healthcare professionals whose last and first names contain the search string (case, accents and spaces ignored). */
  byMatches(searchString: string): HealthcareProfessionalFilter {
    const filter: HealthcareProfessionalByNameFilter = {
      $type: 'HealthcareProfessionalByNameFilter',
      name: searchString,
    }
    this._builderAccumulator.addSimple(filter)
    return this
  }

  /** Adds the next criterion as the sort key: its filter comes first, and the results follow its order. */
  get sort(): HealthcareProfessionalFilterSortStep {
    return sortStep<HealthcareProfessionalFilterSortStep>(this, this._builderAccumulator, [
      'byIds',
      'byLabelCodeFilter',
      'byMatches',
    ])
  }

  /** The filter of the criteria added so far; `AllHealthcareProfessionalsFilter` when there are none. */
  build(): Promise<Filter<HealthcareProfessional>> {
    return this._builderAccumulator.build((): AllHealthcareProfessionalsFilter => ({
      $type: 'AllHealthcareProfessionalsFilter',
    }))
  }
}
