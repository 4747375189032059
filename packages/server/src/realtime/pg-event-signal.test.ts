import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { PgEventSignal, pgEventChannel } from './pg-event-signal.ts'

/*
 * The PostgreSQL signal against a real database (DATABASE_URL): notifications between two signals of
 * one schema, none across schemas, and listening again after the connection was killed.
 */

const databaseUrl = process.env.DATABASE_URL
const quiet = { warn: () => undefined, info: () => undefined }

/** Resolves once `count()` reached `n`, or fails after 5 s. */
async function until(count: () => number, n: number): Promise<void> {
  const deadline = Date.now() + 5_000
  while (count() < n) {
    if (Date.now() > deadline) throw new Error(`only ${count()} of ${n} signals`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('pgEventChannel', () => {
  it('names a channel per schema and refuses names that are not plain schema names', () => {
    expect(pgEventChannel('e2e_abc')).toBe('cairn_events_e2e_abc')
    expect(() => pgEventChannel('a"; drop')).toThrow('invalid PostgreSQL schema name')
  })
})

describe.skipIf(!databaseUrl)('PgEventSignal (PostgreSQL)', () => {
  it('wakes the instances of its schema only, and listens again after its connection was killed', async () => {
    const schema = `sig_${Math.random().toString(36).slice(2, 10)}`
    const a = new PgEventSignal(databaseUrl!, schema, quiet)
    const b = new PgEventSignal(databaseUrl!, schema, quiet)
    const other = new PgEventSignal(databaseUrl!, `${schema}_x`, quiet)
    let onB = 0
    let onOther = 0
    b.onSignal(() => onB++)
    other.onSignal(() => onOther++)
    await Promise.all([a.init(), b.init(), other.init()])
    const afterInit = onB
    a.publish('1')
    await until(() => onB, afterInit + 1)

    // Kill every listening session of the schema's channel: b connects again and is woken once then.
    const admin = new pg.Client({ connectionString: databaseUrl })
    await admin.connect()
    await admin.query(
      `select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1 and pid <> pg_backend_pid()`,
      [`cairn:${schema}`],
    )
    await admin.end()
    const beforeReconnect = onB
    await until(() => (b.listening && a.listening ? 1 : 0), 1)
    expect(onB).toBeGreaterThan(beforeReconnect)
    const afterReconnect = onB
    a.publish('2')
    await until(() => onB, afterReconnect + 1)
    expect(onOther).toBe(1) // its own first listen only, never the other schema's notifications
    await Promise.all([a.close(), b.close(), other.close()])
  })
})
