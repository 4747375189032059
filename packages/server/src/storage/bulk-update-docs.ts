import { sql, type Kysely, type RawBuilder } from 'kysely'
import type { Database } from './database-schema.ts'
import type { DocWrite } from './storage.ts'
import { chunkRows } from './chunk.ts'

/** Parameters per row of the VALUES list: id, expected rev, rev, doc, created, modified, deleted (+ pair). */
const PARAMS = 7
const PAIR_PARAMS = 9

/**
 * Applies "set the new row where id = ? and rev = expected rev" to many documents with one statement
 * per chunk instead of one per document (a round trip each on PostgreSQL):
 *
 *   with v (v_id, v_expected_rev, ...) as (values (...), (...))
 *   update <table> set rev = v_rev, ... from v where <table>.id = v_id and <table>.rev = v_expected_rev
 *   returning id
 *
 * Both dialects accept it (SQLite since 3.35 for UPDATE FROM + RETURNING; better-sqlite3 bundles a
 * newer one). The casts give the VALUES columns their types, which PostgreSQL would otherwise infer
 * as text; the v_ prefix keeps `id` in RETURNING unambiguous. `withPair` also sets the exchange key
 * pair. Returns the ids actually updated; the others were stale or missing.
 */
export async function bulkUpdateDocs(
  trx: Kysely<Database>,
  table: string,
  withPair: boolean,
  writes: readonly DocWrite[],
  maxParams: number,
): Promise<Set<string>> {
  const updated = new Set<string>()
  const target = sql.table(table)
  const columns = sql.raw(
    `v_id, v_expected_rev, v_rev, v_doc, v_created, v_modified, v_deleted${withPair ? ', v_delegator, v_delegate' : ''}`,
  )
  const setPair = sql.raw(withPair ? ', delegator = v_delegator, delegate = v_delegate' : '')
  for (const part of chunkRows(writes, withPair ? PAIR_PARAMS : PARAMS, maxParams)) {
    const rows = part.map((w) => valuesRow(w, withPair))
    const result = await sql<{ id: string }>`
      with v (${columns}) as (values ${sql.join(rows)})
      update ${target}
      set rev = v_rev, doc = v_doc, created = v_created, modified = v_modified, deleted = v_deleted${setPair}
      from v
      where ${target}.id = v_id and ${target}.rev = v_expected_rev
      returning id`.execute(trx)
    for (const row of result.rows) updated.add(row.id)
  }
  return updated
}

/** One parenthesised row of the VALUES list. */
function valuesRow(w: DocWrite, withPair: boolean): RawBuilder<unknown> {
  const common = sql`${w.id}, ${w.expectedRev}, ${w.rev}, ${w.doc}, cast(${w.created} as bigint), cast(${w.modified} as bigint), cast(${w.deleted ? 1 : 0} as integer)`
  if (!withPair) return sql`(${common})`
  const { delegator = null, delegate = null } = w.indexes
  return sql`(${common}, cast(${delegator} as text), cast(${delegate} as text))`
}
