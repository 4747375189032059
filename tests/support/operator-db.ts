import type Database from 'better-sqlite3'
import type { EncryptedEntityDto, ExchangeKeyDto } from '@cairn/protocol'

/** Tables of the encrypted entities the attack tests edit. */
export type EntityTable = 'patient' | 'data_sample'
/** Every document table readRow reads (healthcare professionals hold published keys). */
export type DocTable = EntityTable | 'healthcare_professional'

/**
 * The server operator's view of a test server's SQLite database: read and rewrite stored documents
 * and index rows directly, as whoever runs the server (or stole its database) can. `db` is read at
 * each call, so the helpers can be made before the database is opened in `beforeAll`.
 */
export function operatorDb(db: () => Database.Database) {
  const readRow = (table: DocTable, id: string) =>
    db().prepare(`select id, rev, doc, created, modified from ${table} where id = ?`).get(id) as {
      id: string
      rev: string
      doc: string
      created: number
      modified: number
    }
  const readDoc = (table: EntityTable, id: string) => JSON.parse(readRow(table, id).doc) as EncryptedEntityDto
  /** Rewrites a stored document (the row keeps its rev and times), adding access rows for its delegates. */
  const writeDoc = (table: EntityTable, doc: EncryptedEntityDto) => {
    db().prepare(`update ${table} set doc = ? where id = ?`).run(JSON.stringify(doc), doc.id)
    for (const owner of Object.keys(doc.systemMetaData.delegations))
      db()
        .prepare(`insert or ignore into ${table}_access (data_owner_id, entity_id) values (?, ?)`)
        .run(owner, doc.id)
  }
  /**
   * Sets the secret-foreign-key terms of a document (what filters by patient use: `sfk:<id>` rows of
   * the term index, docs/filters.md), and the term every document carries.
   */
  const setSfkIndex = (table: EntityTable, id: string, sfks: string[]) => {
    db()
      .prepare(`delete from ${table}_term where entity_id = ? and (term like 'sfk:%' or term = '*')`)
      .run(id)
    for (const term of ['*', ...sfks.map((s) => `sfk:${s}`)])
      db().prepare(`insert into ${table}_term (term, value, entity_id) values (?, 0, ?)`).run(term, id)
  }
  /** Inserts a new document with its access and secret-foreign-key index rows. */
  const insertDoc = (table: EntityTable, doc: EncryptedEntityDto) => {
    const created = typeof doc.created === 'number' ? doc.created : Date.now()
    db()
      .prepare(`insert into ${table} (id, rev, doc, created, modified, deleted) values (?, ?, ?, ?, ?, 0)`)
      .run(doc.id, doc.rev, JSON.stringify(doc), created, created)
    for (const owner of Object.keys(doc.systemMetaData.delegations))
      db().prepare(`insert into ${table}_access (data_owner_id, entity_id) values (?, ?)`).run(owner, doc.id)
    setSfkIndex(table, doc.id, doc.systemMetaData.secretForeignKeys)
  }
  /** Inserts an exchange-key record the operator made. */
  const insertExchangeKey = (record: Omit<ExchangeKeyDto, 'id' | 'rev' | 'created'>) => {
    const doc: ExchangeKeyDto = { ...record, id: crypto.randomUUID(), rev: '1-forged', created: Date.now() }
    db()
      .prepare(
        'insert into exchange_key (id, rev, doc, created, modified, deleted, delegator, delegate) values (?, ?, ?, ?, ?, 0, ?, ?)',
      )
      .run(doc.id, doc.rev, JSON.stringify(doc), doc.created, doc.created, doc.delegator, doc.delegate)
  }
  return { readRow, readDoc, writeDoc, setSfkIndex, insertDoc, insertExchangeKey }
}
