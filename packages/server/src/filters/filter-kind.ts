import type { EntityType, FilterDto, FilterType } from '@cairn/protocol'
import type { IndexQuery } from '../storage/index-query.ts'

/** The filter DTO of one `$type`. */
export type FilterOf<T extends FilterType> = Extract<FilterDto, { $type: T }>

/**
 * How the server answers one filter `$type`: which entity type it searches, which data owner it is
 * about (the caller may only query as itself), and the index query it compiles to. Pure: no I/O.
 */
export interface FilterKind<T extends FilterType = FilterType> {
  readonly type: T
  readonly entity: EntityType
  /** The data owner id the filter names, if it names one. */
  dataOwnerOf(filter: FilterOf<T>): string | undefined
  /** The documents it selects, in terms of index tables (always intersected with the caller's access). */
  compile(filter: FilterOf<T>): IndexQuery
}
