import BetterSqlite3 from 'better-sqlite3'
import type { BackupManifest } from './backup-manifest.ts'
import { ATTACHMENT_STORE_SETTING, type AttachmentStoreRecord } from '../storage/open-blob-store.ts'

/*
 * The copies are opened read-write on purpose: a read-only connection to a WAL database cannot remove
 * the `-wal` and `-shm` files it creates, which would then lie in the backup folder. Nothing is written.
 */

/**
 * The schema version of a copied `cairn.db`: the newest migration it ran and how many ran (Kysely's
 * bookkeeping table), for the manifest, so that a restore can refuse a backup of a newer version.
 */
export function readSchemaVersion(dataFile: string): BackupManifest['schema'] {
  const db = new BetterSqlite3(dataFile, { fileMustExist: true })
  try {
    const names = (
      db.prepare('select name from kysely_migration order by name').all() as { name: string }[]
    ).map((r) => r.name)
    return { latestMigration: names.at(-1) ?? '', migrations: names.length }
  } finally {
    db.close()
  }
}

/**
 * The access log of a copied `audit.db`: its anchor (where the chain starts after retention), its
 * head (the newest entry, or the anchor when there is none) and the entries in between.
 */
export function readAuditPoints(auditFile: string): BackupManifest['audit'] {
  const db = new BetterSqlite3(auditFile, { fileMustExist: true })
  try {
    const anchorRow = db.prepare('select seq, hash from audit_anchor where id = 1').get() as
      { seq: number; hash: string } | undefined
    const anchor = { seq: Number(anchorRow?.seq ?? 0), hash: anchorRow?.hash ?? '0'.repeat(64) }
    const headRow = db.prepare('select seq, hash from audit_log order by seq desc limit 1').get() as
      { seq: number; hash: string } | undefined
    const head = headRow ? { seq: Number(headRow.seq), hash: headRow.hash } : anchor
    return { entries: head.seq - anchor.seq, anchor, head }
  } finally {
    db.close()
  }
}

/**
 * Where the server that wrote a copied `cairn.db` kept its attachments (the setting it records at
 * every start, storage/open-blob-store.ts); undefined for a database no such server has opened yet.
 */
export function readAttachmentStore(dataFile: string): AttachmentStoreRecord | undefined {
  const db = new BetterSqlite3(dataFile, { fileMustExist: true })
  try {
    const row = db.prepare('select value from settings where key = ?').get(ATTACHMENT_STORE_SETTING) as
      { value: string } | undefined
    if (!row) return undefined
    const record = JSON.parse(row.value) as AttachmentStoreRecord
    return record.kind === 'directory' || record.kind === 'database' ? record : undefined
  } catch {
    return undefined
  } finally {
    db.close()
  }
}
