import { ENTITY_DESCRIPTORS, type EntityType, type IndexKind } from '@cairn/protocol'

/** How one contract table is stored: its SQL table, its index tables, and what else it carries. */
export interface TableSpec {
  /** SQL name of the document table. */
  readonly sql: string
  /** Index kinds kept in `<sql>_<kind>` tables, rewritten with every write of a document. */
  readonly indexes: readonly IndexKind[]
  /** Documents are data owners: their ids are claimed in `data_owner_ids` in the insert transaction. */
  readonly dataOwner: boolean
  /** Documents carry a delegator/delegate pair in columns of their own (exchange keys). */
  readonly pair: boolean
}

/** Document tables that are not encrypted entities. */
const OTHER_TABLES = {
  healthcareProfessional: {
    sql: 'healthcare_professional',
    indexes: ['term', 'name'],
    dataOwner: true,
    pair: false,
  },
  medicalDevice: { sql: 'medical_device', indexes: [], dataOwner: true, pair: false },
  exchangeKey: { sql: 'exchange_key', indexes: [], dataOwner: false, pair: true },
} as const satisfies Record<string, TableSpec>

/** Tables holding JSON documents: every encrypted entity type plus the clear ones. */
export type DocTable = EntityType | keyof typeof OTHER_TABLES

/** Every document table, the encrypted ones derived from their entity descriptors. */
export const TABLES: Readonly<Record<DocTable, TableSpec>> = {
  ...(Object.fromEntries(
    Object.values(ENTITY_DESCRIPTORS).map((d) => [
      d.type,
      { sql: d.table, indexes: d.indexes, dataOwner: d.dataOwner, pair: false },
    ]),
  ) as unknown as Record<EntityType, TableSpec>),
  ...OTHER_TABLES,
}

/**
 * Columns of each index table, in insert order: the indexed value first, `entity_id` last. Term rows
 * also carry the document's sort value (a date such as a sample's value date), between the two.
 */
export const INDEX_COLUMNS: Readonly<Record<IndexKind, readonly string[]>> = {
  access: ['data_owner_id', 'entity_id'],
  term: ['term', 'value', 'entity_id'],
  name: ['name', 'entity_id'],
}

/** Column holding the indexed value of an index kind. */
export function valueColumn(kind: IndexKind): string {
  return INDEX_COLUMNS[kind][0]
}

/** SQL name of one index table of a document table. */
export function indexTable(table: DocTable, kind: IndexKind): string {
  return `${TABLES[table].sql}_${kind}`
}

/** Tables whose documents are data owners. */
export const DATA_OWNER_TABLES: readonly DocTable[] = (Object.keys(TABLES) as DocTable[]).filter(
  (t) => TABLES[t].dataOwner,
)
