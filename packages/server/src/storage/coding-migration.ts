import { sql, type Kysely, type Migration } from 'kysely'

/** Migrations see the database untyped (see migrations.ts). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
type AnyDb = Kysely<any>

/**
 * Migration `0006_codings` (frozen once released, like every entry of migrations.ts): public reference
 * codes (docs/codings.md).
 *
 * - `coding`: one row per coding, id `type|code|version`, with its JSON document and the clear `type`
 *   (indexed with the id, so a page of one type walks the index in id order).
 * - `coding_region (region, entity_id)`: one row per region of a coding.
 * - `coding_word (word, language, entity_id)`: one row per distinct normalised word (lower case, no
 *   accents) of a coding's label in one language. A label search for "diab" reads the primary key's
 *   range `word >= 'diab' AND word < 'diac'`, so it costs the number of matching words, not the size
 *   of the table (a SNOMED CT extract has about 400,000 codings and 2 million words).
 *
 * On PostgreSQL the text columns that are compared by range or ordered for paging use the "C"
 * collation: byte order, which the word ranges rely on (a linguistic collation may sort "diab…" words
 * outside `['diab', 'diac')`), and which compares faster. SQLite compares bytes already.
 */
export const codingsMigration = (dialect: 'sqlite' | 'postgres'): Migration => ({
  async up(db: AnyDb): Promise<void> {
    const bytewise = dialect === 'postgres' ? sql`text collate "C"` : sql`text`
    await db.schema
      .createTable('coding')
      .addColumn('id', bytewise, (c) => c.primaryKey().notNull())
      .addColumn('rev', 'text', (c) => c.notNull())
      .addColumn('doc', 'text', (c) => c.notNull())
      .addColumn('type', bytewise, (c) => c.notNull())
      .addColumn('code', 'text', (c) => c.notNull())
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('created', 'bigint', (c) => c.notNull())
      .addColumn('modified', 'bigint', (c) => c.notNull())
      .execute()
    await db.schema.createIndex('coding_type_idx').on('coding').columns(['type', 'id']).execute()

    await db.schema
      .createTable('coding_region')
      .addColumn('region', bytewise, (c) => c.notNull())
      .addColumn('entity_id', bytewise, (c) => c.notNull())
      .addPrimaryKeyConstraint('coding_region_pk', ['region', 'entity_id'])
      .execute()
    await db.schema.createIndex('coding_region_entity_idx').on('coding_region').column('entity_id').execute()

    await db.schema
      .createTable('coding_word')
      .addColumn('word', bytewise, (c) => c.notNull())
      .addColumn('language', bytewise, (c) => c.notNull())
      .addColumn('entity_id', bytewise, (c) => c.notNull())
      .addPrimaryKeyConstraint('coding_word_pk', ['word', 'language', 'entity_id'])
      .execute()
    // Serves the rewrite of a coding's words and "has a label in this language" (a filter by
    // language without words).
    await db.schema
      .createIndex('coding_word_entity_idx')
      .on('coding_word')
      .columns(['entity_id', 'language'])
      .execute()
  },
})
