import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { copyFile, mkdir, readdir, rename, rm } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import type { ServerConfig } from '../config.ts'
import { JWT_SECRET_FILE } from '../auth/jwt-secret.ts'
import { verifyAuditChain } from '../audit/audit-chain.ts'
import { migrationNames } from '../storage/migrations.ts'
import { AUDIT_FILE } from '../storage/sqlite-backend.ts'
import { withOperatorStorage } from '../storage/with-operator-storage.ts'
import { BackupError } from './backup-error.ts'
import {
  ATTACHMENTS_FOLDER,
  AUDIT_BACKUP_FILE,
  DATA_FILE,
  readManifest,
  type BackupManifest,
} from './backup-manifest.ts'
import { fileDigest } from './file-digest.ts'
import { sqliteFileInUse } from './sqlite-in-use.ts'

/** What a restore did, for the command to print. */
export interface RestoreReport {
  manifest: BackupManifest
  dataDir: string
  /** Where the attachment files went, when the backup had some. */
  attachmentDir?: string
  /** Whether a database that was in the data directory was replaced (--force). */
  replaced: boolean
  /** Entries of the access log verified after the restore (from its anchor to its head). */
  auditChecked: number
  /** Migrations the restored database was brought forward by (a backup of an older version). */
  migrated: string[]
  /** True when no token signing secret will be found at start (a new one is generated). */
  newJwtSecret: boolean
}

/** Options of a restore. */
export interface RestoreOptions {
  /** Replace a database (and attachment files) already in place. */
  force?: boolean
  /** Where to put the attachment files; default the configured CAIRN_ATTACHMENT_DIR. */
  attachmentDir?: string
  /** Told of each step, for the command's output. */
  onStep?: (step: 'verify' | 'check' | 'install' | 'attachments' | 'audit') => void
}

/** Every file SQLite keeps next to a database: the database, its write-ahead log and shared memory. */
const sqliteFiles = (file: string) => [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]

/**
 * Restores a backup made by `cairn backup` (the folder `source`) into the SQLite data directory of
 * `config` (CAIRN_DATA_DIR, or a --data-dir override), which `cairn serve` then opens. In order,
 * each step refusing with a BackupError before anything is changed: the manifest is read, every file
 * is checked against its size and SHA-256 (`corrupted`), the backup's schema must be known to this
 * version (`bad-backup`); a data directory that holds a database is only replaced with `force`
 * (`not-empty`), and never while a process has it open (`in-use`, see sqliteFileInUse). The two
 * database files are then copied next to their final names, checked again by hash and by `PRAGMA
 * integrity_check` (`check-failed`), and only then renamed over the old ones (whose WAL files are
 * removed: a stale WAL must never be replayed into another database). Attachment files go to the
 * attachment folder the same way. Last, the database is opened as `cairn serve` would (migrating a
 * backup of an older version) and the access log's hash chain is verified up to the head the manifest
 * recorded (`check-failed` otherwise). The token signing secret is not part of a backup: an existing
 * `jwt-secret` file is left in place.
 */
export async function restoreSqlite(
  config: ServerConfig,
  source: string,
  options: RestoreOptions = {},
): Promise<RestoreReport> {
  if (config.databaseUrl)
    throw new BackupError(
      'postgres',
      'DATABASE_URL is set: the server uses PostgreSQL, where backups are restored with pg_restore or psql (docs/production.md, "Backups: PostgreSQL"); cairn restore restores an embedded SQLite backup into CAIRN_DATA_DIR (unset DATABASE_URL)',
    )
  const from = resolve(source)
  const { onStep } = options
  onStep?.('verify')
  const manifest = await readManifest(from)
  for (const file of manifest.files) await expectDigest(join(from, ...file.path.split('/')), file, 'backup')
  const known = migrationNames()
  if (!known.includes(manifest.schema.latestMigration))
    throw new BackupError(
      'bad-backup',
      `the backup's schema (${manifest.schema.latestMigration || 'none'}) is unknown to this Cairn (newest: ${known.at(-1)}): it was made by a newer version (${manifest.cairnVersion}); restore it with that version or a later one`,
    )

  const dataDir = resolve(config.dataDir)
  const dataFile = join(dataDir, DATA_FILE)
  const auditFile = join(dataDir, AUDIT_FILE)
  const attachments = manifest.files.filter((f) => f.path.startsWith(`${ATTACHMENTS_FOLDER}/`))
  const attachmentDirOption = options.attachmentDir ?? config.attachmentDir
  const attachmentDir = attachmentDirOption ? resolve(attachmentDirOption) : undefined
  if (attachments.length > 0 && !attachmentDir)
    throw new BackupError(
      'usage',
      `the backup holds ${attachments.length} attachment file(s) (the server kept them in CAIRN_ATTACHMENT_DIR): set CAIRN_ATTACHMENT_DIR, or give --attachment-dir, to the folder the restored server will use`,
    )
  onStep?.('check')
  const existing = [dataFile, auditFile].filter((f) => existsSync(f))
  if (existing.length > 0 && !options.force)
    throw new BackupError(
      'not-empty',
      `${dataDir} already holds a Cairn database (${existing.map((f) => f.slice(dataDir.length + 1)).join(', ')}): restore into an empty data directory, or add --force to replace it (back it up first)`,
    )
  const busy = existing.filter((f) => sqliteFileInUse(f))
  if (busy.length > 0)
    throw new BackupError(
      'in-use',
      `${busy.join(' and ')} ${busy.length > 1 ? 'are' : 'is'} open in another process: a Cairn server is running on ${dataDir}; stop it before restoring`,
    )
  const attachmentsPresent =
    attachments.length > 0 && attachmentDir !== undefined && (await nonEmpty(attachmentDir))
  if (attachmentsPresent && !options.force)
    throw new BackupError(
      'not-empty',
      `the attachment folder ${attachmentDir} is not empty: restore into an empty one, or add --force to replace it`,
    )

  onStep?.('install')
  await mkdir(dataDir, { recursive: true, mode: 0o700 })
  const suffix = `.restoring-${randomBytes(4).toString('hex')}`
  const staged = [
    { file: manifest.files.find((f) => f.path === DATA_FILE)!, to: dataFile },
    { file: manifest.files.find((f) => f.path === AUDIT_BACKUP_FILE)!, to: auditFile },
  ]
  try {
    for (const { file, to } of staged) {
      await copyFile(join(from, file.path), to + suffix)
      await expectDigest(to + suffix, file, 'copy')
      integrityCheck(to + suffix, file.path)
    }
    for (const { to } of staged) {
      for (const f of sqliteFiles(to)) await rm(f, { force: true })
      await rename(to + suffix, to)
    }
  } finally {
    for (const { to } of staged) for (const f of sqliteFiles(to + suffix)) await rm(f, { force: true })
  }

  if (attachments.length > 0 && attachmentDir) {
    onStep?.('attachments')
    await restoreAttachments(from, attachments, attachmentDir)
  }

  onStep?.('audit')
  const before = readMigrations(dataFile)
  const result = await withOperatorStorage({ ...config, dataDir, databaseUrl: undefined }, (storage) =>
    verifyAuditChain(storage.audit),
  )
  const migrated = readMigrations(dataFile).filter((name) => !before.includes(name))
  const expected = manifest.audit.head
  if (!result.ok)
    throw new BackupError(
      'check-failed',
      `the restored access log does not verify: broken at seq ${result.brokenAt} (${result.reason}); the backup was altered before its manifest was written, or the database it was made from was`,
    )
  if (result.head.seq !== expected.seq || result.head.hash !== expected.hash)
    throw new BackupError(
      'check-failed',
      `the restored access log ends at seq ${result.head.seq} (hash ${result.head.hash}), the manifest recorded seq ${expected.seq} (hash ${expected.hash})`,
    )
  return {
    manifest,
    dataDir,
    attachmentDir: attachments.length > 0 ? attachmentDir : undefined,
    replaced: existing.length > 0,
    auditChecked: result.checked,
    migrated,
    newJwtSecret: !config.jwtSecret && !existsSync(join(dataDir, JWT_SECRET_FILE)),
  }
}

/** Throws `corrupted` when the file at `path` is not the size and SHA-256 the manifest lists. */
async function expectDigest(
  path: string,
  file: { path: string; bytes: number; sha256: string },
  what: 'backup' | 'copy',
): Promise<void> {
  let actual
  try {
    actual = await fileDigest(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new BackupError('bad-backup', `${file.path} is missing from the backup (${path})`)
    throw error
  }
  if (actual.bytes !== file.bytes || actual.sha256 !== file.sha256)
    throw new BackupError(
      'corrupted',
      what === 'backup'
        ? `${file.path} does not match the manifest (${actual.bytes} bytes, SHA-256 ${actual.sha256}; expected ${file.bytes} bytes, ${file.sha256}): the backup is corrupted or was altered; nothing was restored`
        : `the copy of ${file.path} at ${path} differs from the backup: check the disk of the data directory; nothing was replaced`,
    )
}

/** Runs PRAGMA integrity_check on a staged database file; throws `check-failed` when it finds damage. */
function integrityCheck(file: string, name: string): void {
  const db = new BetterSqlite3(file, { fileMustExist: true })
  try {
    const rows = db.pragma('integrity_check') as { integrity_check: string }[]
    const problems = rows.map((r) => r.integrity_check).filter((r) => r !== 'ok')
    if (problems.length > 0)
      throw new BackupError(
        'check-failed',
        `${name} fails PRAGMA integrity_check (${problems.slice(0, 3).join('; ')}): nothing was replaced`,
      )
  } finally {
    db.close()
  }
}

/** The migrations a database file has run (none when it has no bookkeeping table yet). */
function readMigrations(dataFile: string): string[] {
  const db = new BetterSqlite3(dataFile, { fileMustExist: true })
  try {
    return (db.prepare('select name from kysely_migration').all() as { name: string }[]).map((r) => r.name)
  } catch {
    return []
  } finally {
    db.close()
  }
}

/**
 * Copies the backup's attachment files into a new folder next to `dir`, checks each by hash, then
 * swaps it in place of `dir` (whose old content, allowed by --force, is removed only then).
 */
async function restoreAttachments(
  from: string,
  files: { path: string; bytes: number; sha256: string }[],
  dir: string,
): Promise<void> {
  const staging = `${dir}.restoring-${randomBytes(4).toString('hex')}`
  await mkdir(dirname(dir), { recursive: true })
  await mkdir(staging, { mode: 0o700 })
  try {
    for (const file of files) {
      const relative = file.path.slice(ATTACHMENTS_FOLDER.length + 1).split('/')
      const to = join(staging, ...relative)
      await mkdir(dirname(to), { recursive: true, mode: 0o700 })
      await copyFile(join(from, ...file.path.split('/')), to)
      await expectDigest(to, file, 'copy')
    }
    await rm(dir, { recursive: true, force: true })
    await rename(staging, dir)
  } catch (error) {
    await rm(staging, { recursive: true, force: true })
    throw error
  }
}

/** Whether `dir` exists and has entries. */
async function nonEmpty(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length > 0
  } catch {
    return false
  }
}
