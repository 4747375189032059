/**
 * Which documents a filter selects, in terms of the index tables only. Filter kinds compile to this
 * small tree (pure, unit-testable); storage turns it into SQL, always within what the caller can
 * access (the access index) when there is a caller to restrict to, with keyset paging. Empty value
 * lists select nothing.
 */
export type IndexQuery =
  /** Every document (the accessor can read). */
  | { readonly op: 'all' }
  /** Nothing (e.g. an empty intersection known in advance). */
  | { readonly op: 'none' }
  /** Documents among these ids. */
  | { readonly op: 'ids'; readonly ids: readonly string[] }
  /**
   * Documents having one of `terms` in the term index, with a sort value within [min, max] when
   * given (the sort value is a date: a sample's value date, a patient's date of birth).
   */
  | { readonly op: 'term'; readonly terms: readonly string[]; readonly min?: number; readonly max?: number }
  /** Documents having a normalised name that starts with `prefix` (names are indexed by every suffix). */
  | { readonly op: 'name'; readonly prefix: string }
  /** Documents selected by every sub-query. */
  | { readonly op: 'and'; readonly of: readonly IndexQuery[] }
  /** Documents selected by any sub-query. */
  | { readonly op: 'or'; readonly of: readonly IndexQuery[] }
  /** Documents not selected by the sub-query. */
  | { readonly op: 'not'; readonly of: IndexQuery }

/** Order of a page: by id (the default), or by sort value then id (date-ordered filters). */
export type PageOrder = { readonly by: 'id' } | { readonly by: 'value'; readonly descending: boolean }

/** The default order. */
export const BY_ID: PageOrder = { by: 'id' }

/** The term every indexed document carries, with its sort value: date ranges and date order walk it. */
export const EVERY_DOCUMENT_TERM = '*'
