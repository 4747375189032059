import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely'
import { codingsMigration } from './coding-migration.ts'
import { attachmentsMigration } from './attachment-migration.ts'
import { recoveryKeysMigration } from './recovery-key-migration.ts'
import { notificationsMigration } from './notification-migration.ts'
import { outboxMigration } from './outbox-migration.ts'
import { authProcessesMigration } from './auth-process-migration.ts'
import { eventLogMigration } from './event-log-migration.ts'
import { auditLogMigration } from './audit-migration.ts'
import { serverInstancesMigration } from './instance-migration.ts'
import { TERMS, searchIndexOf } from '../filters/search-terms.ts'
import { EVERY_DOCUMENT_TERM } from './index-query.ts'

/**
 * Migrations describe the schema of their time, not the current `Database` type, so they see the
 * database untyped.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
type AnyDb = Kysely<any>

/*
 * Migrations live in code (no files to ship or find at run time) and are frozen once released: a
 * schema change is a new entry, never an edit of an old one. They take `Kysely<any>` on purpose, as
 * they describe the schema of their time, not the current `Database` type. Every statement works on
 * SQLite and PostgreSQL alike: text, bigint (epoch ms) and integer (0/1 flags) only. Primary keys are
 * also declared NOT NULL because SQLite, for historical reasons, lets a non-integer primary key be NULL.
 */

/** Document tables of the first schema. */
const DOC_TABLES = [
  'patient',
  'data_sample',
  'healthcare_element',
  'healthcare_professional',
  'medical_device',
  'exchange_key',
]

/** Tables of encrypted entities, which get an access index and a secret foreign key index. */
const ENCRYPTED_TABLES = ['patient', 'data_sample', 'healthcare_element']

const initial: Migration = {
  async up(db: AnyDb): Promise<void> {
    for (const table of DOC_TABLES) {
      let create = db.schema
        .createTable(table)
        .addColumn('id', 'text', (c) => c.primaryKey().notNull())
        .addColumn('rev', 'text', (c) => c.notNull())
        .addColumn('doc', 'text', (c) => c.notNull())
        .addColumn('created', 'bigint', (c) => c.notNull())
        .addColumn('modified', 'bigint', (c) => c.notNull())
        .addColumn('deleted', 'integer', (c) => c.notNull().defaultTo(0))
      if (table === 'exchange_key')
        create = create.addColumn('delegator', 'text').addColumn('delegate', 'text')
      await create.execute()
    }
    await db.schema
      .createIndex('exchange_key_pair_idx')
      .on('exchange_key')
      .columns(['delegator', 'delegate', 'created'])
      .execute()

    for (const table of ENCRYPTED_TABLES) {
      // The primary keys serve the keyset scans (all entities of one data owner / one secret key, in
      // id order); the entity_id indexes serve the delete-then-insert rewrite of a document's rows.
      await db.schema
        .createTable(`${table}_access`)
        .addColumn('data_owner_id', 'text', (c) => c.notNull())
        .addColumn('entity_id', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint(`${table}_access_pk`, ['data_owner_id', 'entity_id'])
        .execute()
      await db.schema
        .createIndex(`${table}_access_entity_idx`)
        .on(`${table}_access`)
        .column('entity_id')
        .execute()
      await db.schema
        .createTable(`${table}_sfk`)
        .addColumn('sfk', 'text', (c) => c.notNull())
        .addColumn('entity_id', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint(`${table}_sfk_pk`, ['sfk', 'entity_id'])
        .execute()
      await db.schema.createIndex(`${table}_sfk_entity_idx`).on(`${table}_sfk`).column('entity_id').execute()
    }

    await db.schema
      .createTable('users')
      .addColumn('id', 'text', (c) => c.primaryKey().notNull())
      .addColumn('rev', 'text', (c) => c.notNull())
      .addColumn('login', 'text', (c) => c.notNull().unique())
      // Unique but nullable: both dialects allow any number of NULLs in a unique column.
      .addColumn('email', 'text', (c) => c.unique())
      .addColumn('mobile_phone', 'text', (c) => c.unique())
      .addColumn('data_owner_id', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('password_hash', 'text')
      .addColumn('doc', 'text', (c) => c.notNull())
      .addColumn('created', 'bigint', (c) => c.notNull())
      .addColumn('modified', 'bigint', (c) => c.notNull())
      .execute()
    await db.schema.createIndex('users_data_owner_idx').on('users').column('data_owner_id').execute()

    await db.schema
      .createTable('user_tokens')
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('token_id', 'text', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .addColumn('created', 'bigint', (c) => c.notNull())
      .addColumn('validity', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('user_tokens_pk', ['user_id', 'token_id'])
      .execute()

    await db.schema
      .createTable('settings')
      .addColumn('key', 'text', (c) => c.primaryKey().notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .execute()
  },
}

/**
 * One table of every data-owner id, written in the same transaction as the patient, professional or
 * device it names: two data owners of different kinds can never share an id, even when created
 * concurrently (a shared id would let one act as, or be read as, the other).
 */
const dataOwnerIds: Migration = {
  async up(db: AnyDb): Promise<void> {
    await db.schema
      .createTable('data_owner_ids')
      .addColumn('id', 'text', (c) => c.primaryKey().notNull())
      .execute()
    await db
      .insertInto('data_owner_ids')
      .columns(['id'])
      .expression(
        db
          .selectFrom('patient')
          .select('id')
          .union(db.selectFrom('healthcare_professional').select('id'))
          .union(db.selectFrom('medical_device').select('id')),
      )
      .execute()
  },
}

/**
 * PostgreSQL: documents above 2 kB (most encrypted entities) are compressed with lz4 instead of pglz
 * from now on. Same size on disk for Cairn's documents, and reading 100 of them back ran about 40%
 * faster (pgbench on the development machine, docs/performance.md). A server built without lz4, or
 * older than PostgreSQL 14, keeps pglz: the change is skipped with a notice, not an error. Rows
 * written before keep their compression. Nothing to do on SQLite.
 */
const lz4Documents = (dialect: 'sqlite' | 'postgres'): Migration => ({
  async up(db: AnyDb): Promise<void> {
    if (dialect !== 'postgres') return
    const alters = DOC_TABLES.map((t) => `alter table ${t} alter column doc set compression lz4;`).join(' ')
    await sql
      .raw(
        `do $$ begin ${alters} exception when others then ` +
          `raise notice 'documents keep pglz compression: %', sqlerrm; end $$`,
      )
      .execute(db)
  },
})

/**
 * Accounts and sessions (issue "accounts, sessions and the HTTP surface hardened"):
 * - users: `managed_by` (the healthcare professional that created the user and manages it) and
 *   `deletion_date` (a deleted user is a tombstone); one user per data owner, as a unique index. A
 *   database where two users already act as one data owner is refused with their ids, since choosing
 *   which account survives is the operator's decision.
 * - sessions: one row per login, rotated at each refresh, revoked on logout or password change.
 * - login_failures: failed logins per account and per client address, shared by every instance.
 * - the JWT signing secret leaves the database (a dump or backup could mint tokens with it).
 */
const accounts: Migration = {
  async up(db: AnyDb): Promise<void> {
    const duplicates = await db
      .selectFrom('users')
      .select(['data_owner_id', sql<string>`count(*)`.as('n')])
      .where('data_owner_id', 'is not', null)
      .groupBy('data_owner_id')
      .having(sql`count(*)`, '>', 1)
      .execute()
    if (duplicates.length > 0) {
      const list = duplicates.map((d) => String(d.data_owner_id)).join(', ')
      throw new Error(
        `several users act as one data owner (${list}): unlink all but one of them before upgrading`,
      )
    }
    await db.schema.alterTable('users').addColumn('managed_by', 'text').execute()
    await db.schema.alterTable('users').addColumn('deletion_date', 'bigint').execute()
    await db.schema.dropIndex('users_data_owner_idx').execute()
    // Unique but nullable: both dialects allow any number of NULLs (unlinked and deleted users).
    await db.schema
      .createIndex('users_data_owner_unique')
      .on('users')
      .column('data_owner_id')
      .unique()
      .execute()
    await db.schema.createIndex('users_managed_by_idx').on('users').column('managed_by').execute()

    await db.schema
      .createTable('sessions')
      .addColumn('id', 'text', (c) => c.primaryKey().notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('created', 'bigint', (c) => c.notNull())
      // When the user last proved a credential (password or long-lived token) in this session.
      .addColumn('auth_time', 'bigint', (c) => c.notNull())
      // The long-lived token the session was opened with, if any (revoking the token ends it).
      .addColumn('token_id', 'text')
      // Generation of the one refresh token that is valid now; each refresh increments it.
      .addColumn('generation', 'integer', (c) => c.notNull())
      .addColumn('expires', 'bigint', (c) => c.notNull())
      // A session opened with a long-lived token ends when the token does (refreshes never pass it).
      .addColumn('not_after', 'bigint')
      .addColumn('revoked', 'bigint')
      .execute()
    await db.schema.createIndex('sessions_user_idx').on('sessions').column('user_id').execute()
    await db.schema.createIndex('sessions_expires_idx').on('sessions').column('expires').execute()

    await db.schema
      .createTable('login_failures')
      .addColumn('key', 'text', (c) => c.primaryKey().notNull())
      .addColumn('failures', 'integer', (c) => c.notNull())
      .addColumn('last_failure', 'bigint', (c) => c.notNull())
      // Attempts counted but not yet decided (their password is being checked), and since when.
      .addColumn('pending', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('pending_since', 'bigint', (c) => c.notNull().defaultTo(0))
      .execute()
    await db.schema
      .createIndex('login_failures_last_idx')
      .on('login_failures')
      .column('last_failure')
      .execute()

    await db.deleteFrom('settings').where('key', '=', 'jwt.secret').execute()
  },
}

/** Tables given a search index by 0005, with the document type whose clear fields feed it. */
const SEARCH_TABLES = [
  { table: 'patient', type: 'patient', names: true, encrypted: true },
  { table: 'data_sample', type: 'dataSample', names: false, encrypted: true },
  { table: 'healthcare_element', type: 'healthcareElement', names: false, encrypted: true },
  { table: 'healthcare_professional', type: 'healthcareProfessional', names: true, encrypted: false },
] as const

/** Documents read per round while 0005 indexes existing ones. */
const REINDEX_CHUNK = 500

/**
 * Search (issue 9): a term index `<table>_term (term, value, entity_id)` and, for people, a name index
 * `<table>_name (name, entity_id)` (docs/filters.md); the secret-foreign-key index of 0001 becomes
 * `sfk:` terms. Existing documents are indexed with the extraction of filters/search-terms.ts; a
 * later change to what is indexed is a new migration that re-indexes. Names compare in the binary
 * ("C") collation on PostgreSQL, so that prefix ranges mean the same on both databases.
 */
const search = (dialect: 'sqlite' | 'postgres'): Migration => ({
  async up(db: AnyDb): Promise<void> {
    const nameType = dialect === 'postgres' ? sql`text collate "C"` : sql`text`
    for (const { table, type, names, encrypted } of SEARCH_TABLES) {
      // Primary key (term, value, entity_id): one term's rows in value order (date ranges, date-ordered
      // pages); the (entity_id, term) index serves the EXISTS probes and the rewrite of a document's rows.
      await db.schema
        .createTable(`${table}_term`)
        .addColumn('term', 'text', (c) => c.notNull())
        .addColumn('value', 'bigint', (c) => c.notNull())
        .addColumn('entity_id', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint(`${table}_term_pk`, ['term', 'value', 'entity_id'])
        .execute()
      await db.schema
        .createIndex(`${table}_term_entity_idx`)
        .on(`${table}_term`)
        .columns(['entity_id', 'term'])
        .execute()
      if (names) {
        await db.schema
          .createTable(`${table}_name`)
          .addColumn('name', nameType, (c) => c.notNull())
          .addColumn('entity_id', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint(`${table}_name_pk`, ['name', 'entity_id'])
          .execute()
        await db.schema
          .createIndex(`${table}_name_entity_idx`)
          .on(`${table}_name`)
          .columns(['entity_id', 'name'])
          .execute()
      }
      let after = ''
      for (;;) {
        const docs = (await db
          .selectFrom(table)
          .select(['id', 'doc'])
          .where('deleted', '=', 0)
          .where('id', '>', after)
          .orderBy('id')
          .limit(REINDEX_CHUNK)
          .execute()) as { id: string; doc: string }[]
        if (docs.length === 0) break
        after = docs[docs.length - 1].id
        const terms: [string, number, string][] = []
        const nameRows: [string, string][] = []
        for (const { id, doc } of docs) {
          const json = JSON.parse(doc) as Record<string, unknown>
          const meta = (json.systemMetaData ?? {}) as { secretForeignKeys?: unknown }
          const sfks =
            encrypted && Array.isArray(meta.secretForeignKeys)
              ? meta.secretForeignKeys.filter((v): v is string => typeof v === 'string')
              : []
          let index
          try {
            index = searchIndexOf(type, json, sfks)
          } catch {
            // Too many values: keep what filters by patient need, as the old index did.
            index = { term: [EVERY_DOCUMENT_TERM, ...sfks.map(TERMS.secretId)], name: [], sortValue: 0 }
          }
          for (const term of new Set(index.term)) terms.push([term, index.sortValue, id])
          if (names) for (const name of new Set(index.name)) nameRows.push([name, id])
        }
        for (let i = 0; i < terms.length; i += 200) {
          const part = terms.slice(i, i + 200)
          await db
            .insertInto(`${table}_term`)
            .values(part.map(([term, value, entity_id]) => ({ term, value, entity_id })))
            .execute()
        }
        for (let i = 0; i < nameRows.length; i += 300) {
          const part = nameRows.slice(i, i + 300)
          await db
            .insertInto(`${table}_name`)
            .values(part.map(([name, entity_id]) => ({ name, entity_id })))
            .execute()
        }
      }
      if (encrypted) await db.schema.dropTable(`${table}_sfk`).execute()
    }
  },
})

/**
 * The incoming side of a data owner's exchange keys (who shares with it), for the counterparts a data
 * owner that lost its key asks to give access back; the outgoing side is served by the pair index.
 */
const exchangeKeyCounterparts: Migration = {
  async up(db: AnyDb): Promise<void> {
    await db.schema
      .createIndex('exchange_key_delegate_idx')
      .on('exchange_key')
      .columns(['delegate', 'delegator'])
      .execute()
  },
}

/** Every migration by name; names sort in the order they must run. */
const migrations = (dialect: 'sqlite' | 'postgres'): Record<string, Migration> => ({
  '0001_initial': initial,
  '0002_data_owner_ids': dataOwnerIds,
  '0003_lz4_documents': lz4Documents(dialect),
  '0004_accounts': accounts,
  '0005_search': search(dialect),
  '0006_codings': codingsMigration(dialect),
  '0007_attachments': attachmentsMigration(dialect),
  '0008_notifications': notificationsMigration(dialect),
  '0009_recovery_keys': recoveryKeysMigration,
  '0010_exchange_key_counterparts': exchangeKeyCounterparts,
  '0011_outbox': outboxMigration,
  '0012_auth_processes': authProcessesMigration,
  '0013_event_log': eventLogMigration(dialect),
  '0014_audit_log': auditLogMigration(dialect),
  '0015_server_instances': serverInstancesMigration,
})

/**
 * Names of every migration this version knows, oldest first: what a backup's schema version is
 * compared with before a restore (a backup made by a newer version names one missing here).
 */
export function migrationNames(): string[] {
  return Object.keys(migrations('sqlite')).sort()
}

/**
 * Migrates up to (and including) the migration named `target`, and no further: how tests build a
 * database as an older version left it, to check what the next migrations do to its data.
 */
export async function migrateTo(
  db: AnyDb,
  dialect: 'sqlite' | 'postgres',
  target: string,
  schema?: string,
): Promise<void> {
  const provider: MigrationProvider = { getMigrations: () => Promise.resolve(migrations(dialect)) }
  const migrator = new Migrator({ db, provider, migrationTableSchema: schema })
  const { error } = await migrator.migrateTo(target)
  if (error) throw error instanceof Error ? error : new Error(`migration failed: ${JSON.stringify(error)}`)
}

/**
 * Brings the schema up to date. On PostgreSQL `schema` names the schema that also holds Kysely's
 * bookkeeping tables, so that several Cairn schemas in one database keep separate migration states.
 * Throws the first migration error (the failed migration is rolled back on PostgreSQL).
 */
export async function migrateToLatest(
  db: AnyDb,
  dialect: 'sqlite' | 'postgres',
  schema?: string,
): Promise<void> {
  const provider: MigrationProvider = { getMigrations: () => Promise.resolve(migrations(dialect)) }
  const migrator = new Migrator({ db, provider, migrationTableSchema: schema })
  const { error } = await migrator.migrateToLatest()
  if (error) throw error instanceof Error ? error : new Error(`migration failed: ${JSON.stringify(error)}`)
}
