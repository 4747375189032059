import type { Coding } from '../models/index.ts'
import type { Filter } from './filter.ts'
import { FilterAccumulator } from './filter-accumulator.ts'
import { SortableFilterBuilder } from './filter-builder.ts'
import { definedFields, listOf, requireCriterion } from './filter-fields.ts'
import { sortStep } from './sort-step.ts'

/** The `sort` decorator of CodingFilter: the same criteria, the one added marked as the sort key. */
export interface CodingFilterSortable {
  byIds(ids: string[]): CodingFilter
  byRegionLanguageTypeLabel(region?: string, language?: string, type?: string, label?: string): CodingFilter
}

/**
 * MedTech's `CodingFilter` builder: `byIds(ids)`, `byRegionLanguageTypeLabel(region?, language?,
 * type?, label?)`, then `build()`. Criteria accumulate as in MedTech (medtech-api.md §4.4): id lists
 * intersect (an empty intersection is a NoOpFilter, which the API answers without a request), each
 * label search is kept as its own filter, several filters make an IntersectionFilter (the sort key's
 * first), and no criterion makes `AllCodingsFilter`. Coding filters need no data owner.
 */
export class CodingFilter extends SortableFilterBuilder<Coding, CodingFilterSortable> {
  readonly _builderAccumulator = new FilterAccumulator<Coding>()

  /** `api` is accepted for MedTech compatibility: coding filters need no data owner. */
  constructor(_api?: unknown) {
    super()
  }

  /** Codings among these ids (`type|code|version`). */
  byIds(ids: string[]): CodingFilter {
    this._builderAccumulator.addByIds(
      { $type: 'CodingByIdsFilter', ids: listOf(ids, 'CodingFilter.byIds(ids)') } as Filter<Coding>,
      'ids',
    )
    return this
  }

  /**
   * Codings of a region and a type, whose label (in `language`, or any language) has a word starting
   * with each word of `label`, case and accents ignored ("diab mell" finds "Diabetes mellitus").
   * Throws at once, with MedTech's message, when every argument is empty.
   */
  byRegionLanguageTypeLabel(region?: string, language?: string, type?: string, label?: string): CodingFilter {
    requireCriterion([region, language, type, label])
    const filter: Filter<Coding> = {
      $type: 'CodingByRegionTypeLabelFilter',
      ...definedFields({ region, language, type, label }),
    }
    this._builderAccumulator.addSimple(filter)
    return this
  }

  /** Adds the next criterion as the sort key (its filter comes first in an intersection). */
  get sort(): CodingFilterSortable {
    return sortStep<CodingFilterSortable>(this, this._builderAccumulator, [
      'byIds',
      'byRegionLanguageTypeLabel',
    ])
  }

  /** The filter of the criteria added so far (a Promise, as the MedTech builders' `build`). */
  build(): Promise<Filter<Coding>> {
    return this._builderAccumulator.build((): Filter<Coding> => ({ $type: 'AllCodingsFilter' }))
  }
}
