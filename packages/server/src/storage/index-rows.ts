import type { AccessRow, SfkRow } from './database-schema.ts'
import type { DocTable, DocWrite } from './storage.ts'
import type { TableNames } from './table-names.ts'

/** The index rows of a batch of documents, one per (value, document). */
export interface IndexRows {
  access: AccessRow[]
  sfk: SfkRow[]
}

/**
 * Builds the access and secret-foreign-key rows of `writes`. Values repeated within one document are
 * kept once (they would break the index's primary key). Index values given for a table that has no
 * such index throw: they would otherwise be dropped silently, leaving the document unfindable.
 */
export function indexRows(table: DocTable, names: TableNames, writes: readonly DocWrite[]): IndexRows {
  const rows: IndexRows = { access: [], sfk: [] }
  for (const write of writes) {
    const { accessors = [], secretForeignKeys = [], delegator, delegate } = write.indexes
    if ((accessors.length > 0 && !names.access) || (secretForeignKeys.length > 0 && !names.sfk)) {
      throw new Error(`${table} documents have no access or secret foreign key index (document ${write.id})`)
    }
    if ((delegator !== undefined || delegate !== undefined) && table !== 'exchangeKey') {
      throw new Error(`only exchange keys carry a delegator/delegate pair (${table} document ${write.id})`)
    }
    for (const owner of new Set(accessors)) rows.access.push({ data_owner_id: owner, entity_id: write.id })
    for (const sfk of new Set(secretForeignKeys)) rows.sfk.push({ sfk, entity_id: write.id })
  }
  return rows
}
