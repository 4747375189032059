import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { copyFile, mkdir, open, readdir, rename, rm, rmdir } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import type { ServerConfig } from '../config.ts'
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
import { configuredSecretFingerprint } from './configured-secret-fingerprint.ts'
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
  /**
   * Where what --force replaced was moved (`*.replaced-<time>`): the old database files, and the old
   * attachment files' folder. Nothing is deleted: the operator removes them once the restored server
   * works.
   */
  movedAside: string[]
  /** Entries of the access log verified after the restore (from its anchor to its head). */
  auditChecked: number
  /** Migrations the restored database was brought forward by (a backup of an older version). */
  migrated: string[]
  /** True when no token signing secret will be found at start (a new one is generated). */
  newJwtSecret: boolean
  /** True when the target's signing secret is not the backed-up server's (manifest fingerprint). */
  secretDiffers: boolean
}

/** Steps of a restore, for the command's output. */
export type RestoreStep = 'verify' | 'check' | 'install' | 'audit' | 'attachments' | 'swap'

/** Options of a restore. */
export interface RestoreOptions {
  /** Replace a database (and attachment files) already in place; the old ones are moved aside. */
  force?: boolean
  /** Where to put the attachment files; default the configured CAIRN_ATTACHMENT_DIR. */
  attachmentDir?: string
  /** Told of each step, for the command's output. */
  onStep?: (step: RestoreStep) => void
}

/** Every file SQLite keeps next to a database: the database, its write-ahead log and shared memory. */
const SQLITE_SUFFIXES = ['', '-wal', '-shm', '-journal']

/** The two database files of a data directory, the access log first (see swapDatabases). */
const DATABASE_FILES = [AUDIT_FILE, DATA_FILE]

/**
 * Restores a backup made by `cairn backup` (the folder `source`) into the SQLite data directory of
 * `config` (CAIRN_DATA_DIR, or a --data-dir override), which `cairn serve` then opens.
 *
 * Everything that can fail runs before anything in place is touched: the manifest is read, every file
 * is checked against its size and SHA-256 (`corrupted`), the backup's schema must be known to this
 * version (`bad-backup`), the target's attachment store must be the backup's (`usage`); a data
 * directory that holds a database is only replaced with `force` (`not-empty`), and never while a
 * process has it open (`in-use`, see sqliteFileInUse). The two database files are then staged in a
 * folder inside the data directory (same file system, so the swap is a rename), checked by hash and
 * `PRAGMA integrity_check`, opened there as `cairn serve` would (migrating a backup of an older
 * version: SQLite migrations are not one transaction, so a failure must not happen in place) and the
 * access log's hash chain verified up to the head the manifest recorded (`check-failed`). Attachment
 * files are staged inside the attachment folder the same way. Only then, after probing the old
 * database again, are the attachments and then the databases swapped in; with `force`, the replaced
 * files are renamed aside (`*.replaced-<time>`), never deleted. The token signing secret is not part
 * of a backup: an existing `jwt-secret` file is left in place.
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
      `the backup's schema (${manifest.schema.latestMigration || 'none'}) is unknown to this Cairn (newest: ${known.at(-1)}): it was made by a newer version (${manifest.cairnVersion}); restore it with that version or a later one; nothing was restored`,
    )

  const dataDir = resolve(config.dataDir)
  const attachments = manifest.files.filter((f) => f.path.startsWith(`${ATTACHMENTS_FOLDER}/`))
  const attachmentDirOption = options.attachmentDir ?? config.attachmentDir
  const attachmentDir = attachmentDirOption ? resolve(attachmentDirOption) : undefined
  const backupStore = manifest.attachmentStore ?? (attachments.length > 0 ? 'directory' : 'database')
  if (backupStore === 'directory' && !attachmentDir)
    throw new BackupError(
      'usage',
      `the backup holds ${attachments.length} attachment file(s) (the server kept them in CAIRN_ATTACHMENT_DIR): set CAIRN_ATTACHMENT_DIR, or give --attachment-dir, to the folder the restored server will use`,
    )
  if (backupStore === 'database' && attachmentDir)
    throw new BackupError(
      'usage',
      `the backed-up server kept its attachments in the database, and this restore is set up for attachment files in ${attachmentDir} (CAIRN_ATTACHMENT_DIR or --attachment-dir): a server started so would not find them; unset CAIRN_ATTACHMENT_DIR for the restore and the restored server`,
    )

  onStep?.('check')
  const existing = () => DATABASE_FILES.map((f) => join(dataDir, f)).filter((f) => existsSync(f))
  const found = existing()
  if (found.length > 0 && !options.force)
    throw new BackupError(
      'not-empty',
      `${dataDir} already holds a Cairn database (${found.map((f) => f.slice(dataDir.length + 1)).join(', ')}): restore into an empty data directory, or add --force to replace it (the old files are moved aside, not deleted)`,
    )
  refuseInUse(found, dataDir)
  const attachmentsPresent = attachmentDir !== undefined && (await visibleEntries(attachmentDir)).length > 0
  if (attachmentsPresent && !options.force)
    throw new BackupError(
      'not-empty',
      `the attachment folder ${attachmentDir} is not empty: restore into an empty one, or add --force to replace its content (moved aside, not deleted)`,
    )
  const targetSecret = await configuredSecretFingerprint(config.jwtSecret, dataDir)

  onStep?.('install')
  await mkdir(dataDir, { recursive: true, mode: 0o700 })
  const staging = join(dataDir, `.restore-${randomBytes(4).toString('hex')}`)
  let attachmentStaging: string | undefined
  await mkdir(staging, { mode: 0o700 })
  try {
    for (const name of DATABASE_FILES) {
      const file = manifest.files.find(
        (f) => f.path === (name === DATA_FILE ? DATA_FILE : AUDIT_BACKUP_FILE),
      )!
      await copyFile(join(from, file.path), join(staging, name))
      await expectDigest(join(staging, name), file, 'copy')
      integrityCheck(join(staging, name), file.path)
    }

    onStep?.('audit')
    const stagedData = join(staging, DATA_FILE)
    const before = readMigrations(stagedData)
    const result = await withOperatorStorage(
      { ...config, dataDir: staging, databaseUrl: undefined },
      (storage) => verifyAuditChain(storage.audit),
    )
    const migrated = readMigrations(stagedData).filter((name) => !before.includes(name))
    const expected = manifest.audit.head
    if (!result.ok)
      throw new BackupError(
        'check-failed',
        `the restored access log does not verify: broken at seq ${result.brokenAt} (${result.reason}); the backup was altered before its manifest was written, or the database it was made from was; nothing was replaced`,
      )
    if (result.head.seq !== expected.seq || result.head.hash !== expected.hash)
      throw new BackupError(
        'check-failed',
        `the restored access log ends at seq ${result.head.seq} (hash ${result.head.hash}), the manifest recorded seq ${expected.seq} (hash ${expected.hash}); nothing was replaced`,
      )
    for (const name of DATABASE_FILES) settle(join(staging, name))

    if (attachments.length > 0 && attachmentDir) {
      onStep?.('attachments')
      attachmentStaging = await stageAttachments(from, attachments, attachmentDir)
    }

    onStep?.('swap')
    // Probed again: a server may have been started on the old database while the checks ran (or,
    // without --force, have created one in the empty data directory).
    const now = existing()
    if (now.length > 0 && !options.force)
      throw new BackupError(
        'not-empty',
        `a Cairn database appeared in ${dataDir} while the restore ran: stop whatever created it; nothing was replaced`,
      )
    refuseInUse(now, dataDir)
    const stamp = new Date().toISOString().replace(/[:.]/g, '-')
    const movedAside: string[] = []
    let undoAttachments: (() => Promise<void>) | undefined
    if (attachmentStaging && attachmentDir) {
      const swap = await swapFolderContent(attachmentDir, attachmentStaging, stamp)
      if (swap.aside) movedAside.push(swap.aside)
      undoAttachments = swap.undo
      attachmentStaging = undefined
    }
    try {
      movedAside.unshift(...(await swapDatabases(staging, dataDir, stamp)))
    } catch (error) {
      await undoAttachments?.().catch(() => undefined)
      throw error
    }
    return {
      manifest,
      dataDir,
      attachmentDir: attachments.length > 0 ? attachmentDir : undefined,
      replaced: found.length > 0,
      movedAside,
      auditChecked: result.checked,
      migrated,
      newJwtSecret: targetSecret === undefined,
      secretDiffers:
        targetSecret !== undefined &&
        manifest.secretFingerprint !== undefined &&
        targetSecret !== manifest.secretFingerprint,
    }
  } finally {
    await rm(staging, { recursive: true, force: true })
    if (attachmentStaging) await rm(attachmentStaging, { recursive: true, force: true })
  }
}

/** Throws `in-use` when a process has one of `files` open (sqliteFileInUse; it fails closed). */
function refuseInUse(files: string[], dataDir: string): void {
  const busy = files.filter((f) => sqliteFileInUse(f))
  if (busy.length > 0)
    throw new BackupError(
      'in-use',
      `${busy.join(' and ')} ${busy.length > 1 ? 'are' : 'is'} open in another process: a Cairn server is running on ${dataDir}; stop it before restoring`,
    )
}

/**
 * Makes a staged database file self-contained before it is moved: its write-ahead log folded into
 * it and gone. A WAL left behind would be renamed apart from its database, and a stale WAL must never
 * be replayed into another one.
 */
function settle(file: string): void {
  const db = new BetterSqlite3(file, { fileMustExist: true })
  try {
    db.pragma('wal_checkpoint(TRUNCATE)')
  } finally {
    db.close()
  }
  if (existsSync(`${file}-wal`))
    throw new BackupError('check-failed', `${file}-wal remains after a checkpoint: nothing was replaced`)
  for (const suffix of ['-shm', '-journal'])
    if (existsSync(file + suffix))
      throw new BackupError('check-failed', `${file}${suffix} remains after closing it: nothing was replaced`)
}

/**
 * Moves the staged database files in place. The old ones (with any WAL and shared-memory file, so
 * each old pair stays openable as it was) are renamed aside first, both of them, then the access log
 * and last the data go in: at no moment does the directory hold the new data next to the old access
 * log. Every step is a rename within the data directory. Returns the old files' new paths.
 */
async function swapDatabases(staging: string, dataDir: string, stamp: string): Promise<string[]> {
  const aside: string[] = []
  for (const name of DATABASE_FILES)
    for (const suffix of SQLITE_SUFFIXES) {
      const file = join(dataDir, name + suffix)
      if (!existsSync(file)) continue
      const to = join(dataDir, `${name}.replaced-${stamp}${suffix}`)
      await rename(file, to)
      if (suffix === '') aside.push(to)
    }
  for (const name of DATABASE_FILES) await rename(join(staging, name), join(dataDir, name))
  await syncFolder(dataDir)
  return aside
}

/**
 * Copies the backup's attachment files into a new hidden folder inside `dir` (created if absent),
 * checking each by hash, and returns it. Inside, not next to it: `dir` may be a mount of its own, and
 * moving files out of or into it must stay a rename. The server and `cairn backup` skip hidden
 * top-level names, so neither ever sees the staged files as attachments.
 */
async function stageAttachments(
  from: string,
  files: { path: string; bytes: number; sha256: string }[],
  dir: string,
): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const staging = join(dir, `.restoring-${randomBytes(4).toString('hex')}`)
  await mkdir(staging, { mode: 0o700 })
  try {
    for (const file of files) {
      const relative = file.path.slice(ATTACHMENTS_FOLDER.length + 1).split('/')
      const to = join(staging, ...relative)
      await mkdir(dirname(to), { recursive: true, mode: 0o700 })
      await copyFile(join(from, ...file.path.split('/')), to)
      await expectDigest(to, file, 'copy')
    }
    return staging
  } catch (error) {
    await rm(staging, { recursive: true, force: true })
    throw error
  }
}

/**
 * Replaces the visible content of `dir` by that of `staging` (a hidden folder inside it): the old
 * entries are renamed into `dir/.replaced-<stamp>` (returned as `aside`; absent when there were
 * none), then the staged ones into `dir`. The folder itself is never removed or renamed. `undo` puts
 * the old content back, for a database swap that fails after it.
 */
async function swapFolderContent(
  dir: string,
  staging: string,
  stamp: string,
): Promise<{ aside?: string; undo: () => Promise<void> }> {
  const old = await visibleEntries(dir)
  let aside: string | undefined
  if (old.length > 0) {
    aside = join(dir, `.replaced-${stamp}`)
    await mkdir(aside, { mode: 0o700 })
    for (const name of old) await rename(join(dir, name), join(aside, name))
  }
  const staged = await readdir(staging)
  for (const name of staged) await rename(join(staging, name), join(dir, name))
  await rmdir(staging)
  await syncFolder(dir)
  const undo = async () => {
    for (const name of staged) await rm(join(dir, name), { recursive: true, force: true })
    if (aside) {
      for (const name of old) await rename(join(aside, name), join(dir, name))
      await rmdir(aside)
    }
  }
  return { aside, undo }
}

/** The entries of `dir` that are not hidden (attachments), none when it does not exist. */
async function visibleEntries(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((name) => !name.startsWith('.'))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
}

/** Flushes a folder's entries (the renames) to disk, where the platform allows it. */
async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, 'r').catch(() => undefined)
  if (!handle) return
  try {
    await handle.sync()
  } catch {
    // Some platforms and file systems cannot flush a folder: the renames are as durable as they make them.
  } finally {
    await handle.close()
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
