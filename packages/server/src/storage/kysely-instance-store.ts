import { sql, type Kysely } from 'kysely'
import type { Database } from './database-schema.ts'
import type { StorageBackend } from './storage-backend.ts'
import type { InstanceRegistration, InstanceStore } from './instance-store.ts'

/**
 * Key of the advisory lock that serialises registrations on PostgreSQL: a fixed name and the schema,
 * so that Cairn schemas sharing one database do not wait on each other. On SQLite the write
 * transaction holds the database's single write lock, which serialises them already.
 */
const REGISTER_LOCK = sql`select pg_advisory_xact_lock(hashtext('cairn.server_instance'), hashtext(current_schema()))`

/**
 * The database's clock in epoch ms. On PostgreSQL clock_timestamp(), not now(): now() is when the
 * transaction began, which may be long before the lock it waited for was granted.
 */
const DATABASE_NOW = {
  postgres: sql<number | string>`(extract(epoch from clock_timestamp()) * 1000)::bigint`,
  sqlite: sql<number | string>`cast((julianday('now') - 2440587.5) * 86400000 as integer)`,
}

/** InstanceStore over Kysely: each call is one write transaction, timed by the database's clock. */
export class KyselyInstanceStore implements InstanceStore {
  constructor(
    private readonly backend: StorageBackend,
    /** The connection, refusing use after the storage was closed. */
    private readonly db: () => Kysely<Database>,
  ) {}

  /** See InstanceStore.register. */
  async register(id: string, fingerprint: string, liveMs: number): Promise<InstanceRegistration> {
    this.db() // fails fast once closed
    return this.backend.writeTransaction(async (trx) => {
      if (this.backend.dialect === 'postgres') await REGISTER_LOCK.execute(trx)
      // One reading of the clock for the whole transaction, so that its statements agree.
      const { rows } = await sql<{
        now: number | string
      }>`select ${DATABASE_NOW[this.backend.dialect]} as now`.execute(trx)
      const now = Number(rows[0].now)
      await trx
        .deleteFrom('server_instance')
        .where('seen', '<', now - liveMs)
        .execute()
      const other = await trx
        .selectFrom('server_instance')
        .select((eb) => eb.fn.max('seen').as('seen'))
        .where('fingerprint', '<>', fingerprint)
        .executeTakeFirst()
      if (other?.seen != null) return { conflict: { ageMs: Math.max(0, now - Number(other.seen)) } }
      await trx
        .insertInto('server_instance')
        .values({ id, fingerprint, seen: now })
        .onConflict((oc) => oc.column('id').doUpdateSet({ fingerprint, seen: now }))
        .execute()
      return {}
    })
  }

  /** See InstanceStore.remove. */
  async remove(id: string): Promise<void> {
    await this.db().deleteFrom('server_instance').where('id', '=', id).execute()
  }
}
