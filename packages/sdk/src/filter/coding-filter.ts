import { SdkError } from '../http/sdk-error.ts'
import type { SortableFilterBuilder } from './filter-dsl.ts'
import { NoOpFilter, type Filter } from './filter.ts'
import type { Coding } from '../models/index.ts'

/** A criterion the builder collects: by ids (intersected), or a label search (kept one filter each). */
type Part =
  | { $type: 'CodingByIdsFilter'; ids: string[]; sortKey: boolean }
  | {
      $type: 'CodingByRegionTypeLabelFilter'
      region?: string
      language?: string
      type?: string
      label?: string
      sortKey: boolean
    }

/** The `sort` decorator of CodingFilter: the same criteria, the one added marked as the sort key. */
export interface CodingFilterSortable {
  byIds(ids: string[]): CodingFilter
  byRegionLanguageTypeLabel(region?: string, language?: string, type?: string, label?: string): CodingFilter
}

/** MedTech's message when a search filter is given no criterion (the same text for every builder). */
const NO_CRITERION =
  'To instantiate the filter, you must specify at least one of these parameters: labelType, labelCode, codeType, or codeCode'

/**
 * MedTech's `CodingFilter` builder: `byIds(ids)`, `byRegionLanguageTypeLabel(region?, language?,
 * type?, label?)`, then `build()`. Criteria accumulate as in MedTech (docs/medtech-api.md §4.4): id
 * lists intersect (an empty intersection is a NoOpFilter, which the API answers without a request),
 * each label search is kept as its own filter, several filters make an IntersectionFilter (the sort
 * key's first), and no criterion makes `AllCodingsFilter`.
 */
export class CodingFilter implements SortableFilterBuilder<Coding, CodingFilterSortable> {
  private readonly parts: Part[] = []

  /** `api` is accepted for MedTech compatibility: coding filters need no data owner. */
  constructor(_api?: unknown) {}

  /** Codings among these ids (`type|code|version`). */
  byIds(ids: string[]): CodingFilter {
    this.parts.push({ $type: 'CodingByIdsFilter', ids: [...ids], sortKey: false })
    return this
  }

  /**
   * Codings of a region and a type, whose label (in `language`, or any language) has a word starting
   * with each word of `label`, case and accents ignored ("diab mell" finds "Diabetes mellitus").
   * Throws at once if every argument is empty, with MedTech's message.
   */
  byRegionLanguageTypeLabel(region?: string, language?: string, type?: string, label?: string): CodingFilter {
    if (!region && !language && !type && !label) throw new SdkError('BAD_REQUEST', NO_CRITERION)
    this.parts.push({
      $type: 'CodingByRegionTypeLabelFilter',
      ...(region ? { region } : {}),
      ...(language ? { language } : {}),
      ...(type ? { type } : {}),
      ...(label ? { label } : {}),
      sortKey: false,
    })
    return this
  }

  /** Adds the next criterion as the sort key (its filter comes first in an intersection). */
  get sort(): CodingFilterSortable {
    const mark = (builder: CodingFilter) => {
      builder.parts[builder.parts.length - 1].sortKey = true
      return builder
    }
    return {
      byIds: (ids) => mark(this.byIds(ids)),
      byRegionLanguageTypeLabel: (region, language, type, label) =>
        mark(this.byRegionLanguageTypeLabel(region, language, type, label)),
    }
  }

  /** The filter of the criteria added so far (a Promise, as the MedTech builders' `build`). */
  build(): Promise<Filter<Coding>> {
    return Promise.resolve(this.filter())
  }

  private filter(): Filter<Coding> {
    // Groups in the order their first criterion was added: the id lists as one filter, each label
    // search as its own.
    const filters: { filter: Filter<Coding>; sortKey: boolean; at: number }[] = []
    const byIds = this.parts.filter((p) => p.$type === 'CodingByIdsFilter')
    if (byIds.length > 0) {
      const first = byIds.find((p) => p.sortKey) ?? byIds[0]
      const ids = first.ids.filter((id) => byIds.every((p) => p.ids.includes(id)))
      if (ids.length === 0) return noOp()
      filters.push({
        filter: { $type: 'CodingByIdsFilter', ids } as Filter<Coding>,
        sortKey: byIds.some((p) => p.sortKey),
        at: this.parts.indexOf(byIds[0]),
      })
    }
    this.parts.forEach((part, at) => {
      if (part.$type !== 'CodingByRegionTypeLabelFilter') return
      const { sortKey, ...filter } = part
      filters.push({ filter: filter as Filter<Coding>, sortKey, at })
    })
    filters.sort((a, b) => a.at - b.at)
    const ordered = [...filters.filter((f) => f.sortKey), ...filters.filter((f) => !f.sortKey)].map((f) => f.filter)
    if (ordered.length === 0) return { $type: 'AllCodingsFilter' } as Filter<Coding>
    if (ordered.length === 1) return ordered[0]
    return { $type: 'IntersectionFilter', filters: ordered } as Filter<Coding>
  }
}

/** MedTech's NoOp result, with its console warning. */
function noOp(): Filter<Coding> {
  console.warn('Warning: the filter you built cannot be resolved and will return no entity')
  return new NoOpFilter<Coding>()
}
