/**
 * The storage of codings (public reference codes, docs/codings.md), part of the Storage contract as
 * `storage.codings`. Codings are clear documents with their own index tables: regions and the
 * normalised words of their labels. Services hand over the JSON text and the index values; the store
 * writes them in one transaction and answers keyset pages ordered by id.
 */

/** A stored coding: its JSON text is returned as stored. */
export interface StoredCoding {
  id: string
  rev: string
  /** JSON text of the coding (includes id and rev). */
  doc: string
  created: number
  modified: number
}

/** One normalised word of a coding's label in one language (see entities/coding/label-words.ts). */
export interface CodingWord {
  language: string
  word: string
}

/** One coding to insert or update, with its index values. */
export interface CodingWrite {
  id: string
  /** The new rev. */
  rev: string
  /** For updates: the rev the caller read; the update applies only if it is still current. */
  expectedRev?: string
  doc: string
  type: string
  code: string
  version: string
  created: number
  modified: number
  regions: readonly string[]
  words: readonly CodingWord[]
}

/**
 * What a page of codings selects: a tree of conditions on one coding.
 * - `all` / `none`: every coding / none;
 * - `ids`: the codings among these ids;
 * - `match`: codings of `type` and `region` (exact) having, for each of `words`, a word of their label
 *   starting with it (in `language` when given); `language` without words: codings with label words in
 *   that language;
 * - `and`, `or`, `not`: combinations.
 */
export type CodingQuery =
  | { readonly op: 'all' }
  | { readonly op: 'none' }
  | { readonly op: 'ids'; readonly ids: readonly string[] }
  | {
      readonly op: 'match'
      readonly type?: string
      readonly region?: string
      readonly language?: string
      readonly words: readonly string[]
    }
  | { readonly op: 'and' | 'or'; readonly of: readonly CodingQuery[] }
  | { readonly op: 'not'; readonly of: CodingQuery }

/** One keyset page of codings and the number of codings matching in all. */
export interface CodingPage {
  docs: StoredCoding[]
  total: number
}

/** Writes decided from the current rows, inside the transaction of `CodingStore.merge`. */
export interface CodingMergePlan {
  inserts: CodingWrite[]
  /** Each with `expectedRev` = the rev of the current row handed to the plan. */
  updates: CodingWrite[]
}

/** The coding part of the storage contract; both dialects pass coding-store.contract.test.ts. */
export interface CodingStore {
  get(id: string): Promise<StoredCoding | undefined>
  /** The codings among `ids` that exist, in no particular order. */
  getMany(ids: readonly string[]): Promise<StoredCoding[]>
  /** Inserts every write or none; an existing id (or one repeated) -> StorageConflict('exists'). */
  insert(writes: readonly CodingWrite[]): Promise<void>
  /**
   * Updates every write or none, each only if its current rev is `expectedRev`; else
   * StorageConflict('missing') for ids that do not exist, or ('stale').
   */
  update(writes: readonly CodingWrite[]): Promise<void>
  /**
   * Reads the current codings among `ids` and applies the writes `plan` decides from them, all in one
   * transaction (on PostgreSQL the existing rows are locked meanwhile, so no other writer changes them
   * between the read and the writes). A coding created by another writer in between fails the whole
   * transaction with StorageConflict('exists'); nothing is written then. Returns what `plan` returned.
   */
  merge(
    ids: readonly string[],
    plan: (current: ReadonlyMap<string, StoredCoding>) => CodingMergePlan,
  ): Promise<CodingMergePlan>
  /**
   * Keyset page, ordered by id, of the codings `query` selects: at most `limit` from `startId`
   * (inclusive), and the count of every match.
   */
  findPage(query: CodingQuery, startId: string | undefined, limit: number): Promise<CodingPage>
  /** Ids, in id order, of the codings `query` selects: at most `max`. */
  findIds(query: CodingQuery, max: number): Promise<string[]>
}
