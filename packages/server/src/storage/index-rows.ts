import type { IndexKind } from '@cairn/protocol'
import type { DocTable, DocWrite } from './storage.ts'
import { INDEX_COLUMNS, TABLES, indexTable } from './storage-tables.ts'

/** The rows of one index table for a batch of documents, values in `columns` order. */
export interface IndexTableRows {
  kind: IndexKind
  table: string
  columns: readonly string[]
  rows: (string | number)[][]
}

/**
 * Builds the index rows of `writes` for every index kind of `table`. Only live documents are indexed:
 * a deleted one gets no rows, so filters and their counts never need to read the document table to
 * leave deleted documents out. Values repeated within one document are kept once (they would break
 * the index's primary key). Term rows carry the document's sort value (`indexes.sortValue`, 0 when
 * absent), so that a term and a date range are one range of the term index. Index values given for a
 * kind the table does not keep throw: they would otherwise be dropped silently, leaving the document
 * unfindable; so does a delegator/delegate pair outside the exchange key table.
 */
export function indexRows(table: DocTable, writes: readonly DocWrite[]): IndexTableRows[] {
  const spec = TABLES[table]
  const out: IndexTableRows[] = spec.indexes.map((kind) => ({
    kind,
    table: indexTable(table, kind),
    columns: INDEX_COLUMNS[kind],
    rows: [],
  }))
  for (const write of writes) {
    for (const kind of Object.keys(INDEX_COLUMNS) as IndexKind[]) {
      if ((write.indexes[kind]?.length ?? 0) > 0 && !spec.indexes.includes(kind)) {
        throw new Error(`${table} documents have no ${kind} index (document ${write.id})`)
      }
    }
    if ((write.indexes.delegator !== undefined || write.indexes.delegate !== undefined) && !spec.pair) {
      throw new Error(`only exchange keys carry a delegator/delegate pair (${table} document ${write.id})`)
    }
    if (write.deleted) continue
    const sortValue = write.indexes.sortValue ?? 0
    for (const index of out) {
      for (const value of new Set(write.indexes[index.kind] ?? [])) {
        index.rows.push(index.kind === 'term' ? [value, sortValue, write.id] : [value, write.id])
      }
    }
  }
  return out
}
