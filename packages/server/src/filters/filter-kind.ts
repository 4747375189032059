import type { EntityType, FilterType, LeafFilterDto } from '@cairn/protocol'
import type { IndexQuery, PageOrder } from '../storage/index-query.ts'

/** The filter DTO of one `$type`. */
export type FilterOf<T extends FilterType> = Extract<LeafFilterDto, { $type: T }>

/**
 * Types a filter searches: the encrypted entities (within what the caller can read), and the clear
 * directories of healthcare professionals and medical devices (every signed-in user searches them).
 */
export type SearchTarget = EntityType | 'healthcareProfessional' | 'medicalDevice'

/**
 * How the server answers one leaf filter `$type`: which type it searches, which data owner it is
 * about (the caller may only query as itself), the index query it compiles to and the order of its
 * results. Pure: no I/O.
 */
export interface FilterKind<T extends FilterType = FilterType> {
  readonly type: T
  readonly entity: SearchTarget
  /** The data owner id the filter names, if it names one. */
  dataOwnerOf(filter: FilterOf<T>): string | undefined
  /** The documents it selects, in terms of index tables (always intersected with the caller's access). */
  compile(filter: FilterOf<T>): IndexQuery
  /** Its natural order when it comes first (MedTech's sort key); by id when absent. */
  order?(filter: FilterOf<T>): PageOrder
}
