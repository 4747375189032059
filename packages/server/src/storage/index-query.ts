import type { IndexKind } from '@cairn/protocol'

/**
 * Which documents a filter selects, in terms of the index tables only. Filter kinds compile to this
 * small tree (pure, unit-testable); storage turns it into one SQL condition, always within what the
 * caller can access (the access index), with keyset paging. Empty value lists select nothing.
 */
export type IndexQuery =
  /** Every document the accessor can read. */
  | { readonly op: 'all' }
  /** Nothing (e.g. an empty intersection known in advance). */
  | { readonly op: 'none' }
  /** Documents among these ids. */
  | { readonly op: 'ids'; readonly ids: readonly string[] }
  /** Documents having one of `values` in the index `index`. */
  | { readonly op: 'index'; readonly index: IndexKind; readonly values: readonly string[] }
  /** Documents selected by every sub-query. */
  | { readonly op: 'and'; readonly of: readonly IndexQuery[] }
  /** Documents selected by any sub-query. */
  | { readonly op: 'or'; readonly of: readonly IndexQuery[] }
