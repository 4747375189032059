import { parentPort, workerData } from 'node:worker_threads'
import BetterSqlite3 from 'better-sqlite3'
import pg from 'pg'
import type { AuditConnection } from '../storage/audit-connection.ts'
import type { AuditChainPoint, AuditRecord, StoredAuditEntry } from '../storage/audit-store.ts'
import { escapeStartupOption, quotePgSchema } from '../storage/pg-schema-name.ts'
import { chainEntries } from './audit-chain.ts'

/**
 * The access log's writer thread (started by audit-writer-thread.ts): appends the batches it is sent
 * to the audit tables with a connection of its own, so that hashing and inserting the entries (with
 * their four indexes, the bulk of the log's cost) use another core than the event loop that serves
 * requests. Each batch is one transaction that reads the chain's head and inserts the entries chained
 * from it, exactly as KyselyAuditStore.append does (the store stays the reference and serves the CLI).
 */

/** A request from the main thread: a batch to append. */
export interface AppendRequest {
  readonly id: number
  readonly entries: readonly AuditRecord[]
}

/** The answer: the new head, or why the batch was not written (nothing of it was). */
export interface AppendAnswer {
  readonly id: number
  readonly head?: AuditChainPoint
  readonly error?: { readonly message: string; readonly code?: string }
}

/** Columns of a row, in insert order. */
const COLUMNS = [
  'seq',
  'at',
  'action',
  'actor_user_id',
  'actor_data_owner_id',
  'entity_type',
  'entity_id',
  'request_id',
  'client_address',
  'prev_hash',
  'hash',
] as const

/**
 * Rows per insert statement: one statement text for full chunks (prepared once), single-row inserts
 * for the rest. 100 rows x 11 parameters stays far under both dialects' parameter limits.
 */
const CHUNK = 100

/** The values of a chained entry, in COLUMNS order. */
function values(e: StoredAuditEntry): (string | number | null)[] {
  return [
    e.seq,
    e.at,
    e.action,
    e.actorUserId ?? null,
    e.actorDataOwnerId ?? null,
    e.entityType ?? null,
    e.entityId ?? null,
    e.requestId ?? null,
    e.clientAddress ?? null,
    e.prevHash,
    e.hash,
  ]
}

/** `insert into audit_log (...) values (...), ...` for `rows` rows, with `?` or `$n` placeholders. */
function insertText(rows: number, placeholder: (n: number) => string): string {
  const tuples: string[] = []
  for (let r = 0; r < rows; r++)
    tuples.push(`(${COLUMNS.map((_c, i) => placeholder(r * COLUMNS.length + i + 1)).join(', ')})`)
  return `insert into audit_log (${COLUMNS.join(', ')}) values ${tuples.join(', ')}`
}

/** Splits chained entries into the full chunks and the rest. */
function chunks(chained: readonly StoredAuditEntry[]): StoredAuditEntry[][] {
  const out: StoredAuditEntry[][] = []
  for (let i = 0; i < chained.length; i += CHUNK) out.push(chained.slice(i, i + CHUNK))
  return out
}

/** Appends batches to one database; `reset` drops the connection after a failure (reopened next time). */
interface Appender {
  append(entries: readonly AuditRecord[]): Promise<AuditChainPoint>
  reset(): Promise<void>
}

/** The SQLite appender: the log's own file, BEGIN IMMEDIATE so the chain's head cannot move meanwhile. */
function sqliteAppender(connection: Extract<AuditConnection, { dialect: 'sqlite' }>): Appender {
  let opened:
    { db: BetterSqlite3.Database; run: (entries: readonly AuditRecord[]) => AuditChainPoint } | undefined
  const open = () => {
    const db = new BetterSqlite3(connection.file)
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = FULL')
    db.pragma(`busy_timeout = ${connection.busyTimeoutMs}`)
    const head = db.prepare<[], { seq: number; hash: string }>(
      'select seq, hash from audit_log order by seq desc limit 1',
    )
    const anchor = db.prepare<[], { seq: number; hash: string }>(
      'select seq, hash from audit_anchor where id = 1',
    )
    const full = db.prepare(insertText(CHUNK, () => '?'))
    const one = db.prepare(insertText(1, () => '?'))
    const transaction = db.transaction((entries: readonly AuditRecord[]): AuditChainPoint => {
      const start = head.get() ?? anchor.get()
      if (!start) throw new Error('the access log has no anchor row (migration 0014 missing)')
      const chained = chainEntries({ seq: Number(start.seq), hash: start.hash }, entries)
      for (const chunk of chunks(chained)) {
        if (chunk.length === CHUNK) full.run(chunk.flatMap(values))
        else for (const entry of chunk) one.run(values(entry))
      }
      const last = chained[chained.length - 1]
      return { seq: last.seq, hash: last.hash }
    })
    return { db, run: (entries: readonly AuditRecord[]) => transaction.immediate(entries) }
  }
  return {
    append(entries) {
      opened ??= open()
      return Promise.resolve(opened.run(entries))
    },
    reset() {
      opened?.db.close()
      opened = undefined
      return Promise.resolve()
    },
  }
}

/**
 * The PostgreSQL appender: one client of its own (not from the pool), in the server's schema; each
 * batch takes the same advisory lock as KyselyAuditStore.append, so instances extend one chain.
 */
function postgresAppender(connection: Extract<AuditConnection, { dialect: 'postgres' }>): Appender {
  let client: pg.Client | undefined
  const open = async () => {
    const c = new pg.Client({
      connectionString: connection.databaseUrl,
      connectionTimeoutMillis: connection.connectMs,
      application_name: `cairn:${connection.schema}`.slice(0, 63),
      options: [
        `-c search_path=${escapeStartupOption(quotePgSchema(connection.schema))}`,
        `-c statement_timeout=${connection.statementMs}`,
      ].join(' '),
    })
    // A broken connection is reported by the next query; this keeps the error from being unhandled.
    c.on('error', () => {})
    await c.connect()
    return c
  }
  // One array parameter per column, expanded by unnest: eleven parameters for a whole batch instead of
  // eleven per row, whose one-by-one serialisation cost several times the insert itself in the driver.
  const types = ['int8', 'int8', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text']
  const unnest = `insert into audit_log (${COLUMNS.join(', ')}) select * from unnest(${types
    .map((t, i) => `$${i + 1}::${t}[]`)
    .join(', ')})`
  return {
    async append(entries) {
      client ??= await open()
      const c = client
      await c.query('begin')
      try {
        await c.query(`select pg_advisory_xact_lock(hashtext('cairn.audit_log'), hashtext(current_schema()))`)
        const head = await c.query<{ seq: string; hash: string }>(
          'select seq, hash from audit_log order by seq desc limit 1',
        )
        const start =
          head.rows[0] ??
          (await c.query<{ seq: string; hash: string }>('select seq, hash from audit_anchor where id = 1'))
            .rows[0]
        if (!start) throw new Error('the access log has no anchor row (migration 0014 missing)')
        const chained = chainEntries({ seq: Number(start.seq), hash: start.hash }, entries)
        const columns: (string | number | null)[][] = COLUMNS.map(() => [])
        for (const entry of chained) values(entry).forEach((v, i) => columns[i].push(v))
        await c.query({ name: 'cairn_audit_append', text: unnest, values: columns })
        await c.query('commit')
        const last = chained[chained.length - 1]
        return { seq: last.seq, hash: last.hash }
      } catch (error) {
        await c.query('rollback').catch(() => {})
        throw error
      }
    },
    async reset() {
      const c = client
      client = undefined
      await c?.end().catch(() => {})
    },
  }
}

const connection = workerData as AuditConnection
const appender = connection.dialect === 'sqlite' ? sqliteAppender(connection) : postgresAppender(connection)
const port = parentPort!

// One batch at a time, in the order sent: the main thread sends the next only after this one's answer,
// and the queue below keeps order even if it did not.
let work = Promise.resolve()
port.on('message', (message: AppendRequest | { close: true }) => {
  if ('close' in message) {
    work = work.then(async () => {
      await appender.reset()
      port.close()
    })
    return
  }
  work = work.then(async () => {
    try {
      const head = await appender.append(message.entries)
      port.postMessage({ id: message.id, head } satisfies AppendAnswer)
    } catch (error) {
      // The connection may be broken (PostgreSQL restarted, file replaced): open a fresh one next time.
      await appender.reset()
      const e = error as { message?: string; code?: string }
      port.postMessage({
        id: message.id,
        error: { message: e?.message ?? String(error), ...(e?.code ? { code: String(e.code) } : {}) },
      } satisfies AppendAnswer)
    }
  })
})
