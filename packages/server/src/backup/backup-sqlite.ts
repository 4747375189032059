import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { chmod, mkdir, readdir, rename, rm, rmdir, writeFile } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import type { ServerConfig } from '../config.ts'
import { API_VERSION } from '../version.ts'
import { AUDIT_FILE } from '../storage/sqlite-backend.ts'
import { BackupError } from './backup-error.ts'
import {
  ATTACHMENTS_FOLDER,
  AUDIT_BACKUP_FILE,
  BACKUP_FORMAT,
  BACKUP_FORMAT_VERSION,
  DATA_FILE,
  MANIFEST_FILE,
  type BackupFile,
  type BackupManifest,
} from './backup-manifest.ts'
import { copyAttachments } from './copy-attachments.ts'
import { fileDigest } from './file-digest.ts'
import { configuredSecretFingerprint } from './configured-secret-fingerprint.ts'
import { readAttachmentStore, readAuditPoints, readSchemaVersion } from './sqlite-backup-facts.ts'

/**
 * How long after the copy of the data the access log is copied, at least (ms). The server writes
 * its log entries after the writes they record, in batches every 250 ms (docs/audit.md): waiting four
 * batches lets the entries of every write the data copy holds reach `audit.db` first.
 */
export const AUDIT_SETTLE_MS = 1_000

/** Why the files are copied in this order, written into every manifest. */
const ORDER_NOTE =
  'cairn.db first, then the attachment files, then audit.db at least 1 s later: the access log is ' +
  'written after the writes it records, so copied last it holds an entry for every write in the ' +
  'copied data (and possibly a few for later ones), never data whose access went unrecorded.'

/** Pages per step of SQLite's backup API: all of them, so that each copy is one consistent read. */
const ALL_PAGES = 0x7fffffff

/** Progress of a backup, for the command's output. */
export type BackupStep = 'data' | 'attachments' | 'audit' | 'manifest'

/**
 * Online backup of the embedded SQLite database of `config` (the same CAIRN_DATA_DIR as `cairn
 * serve`, which may keep running and writing) into the new folder `target`: `cairn.db` and
 * `audit.db` through SQLite's online backup API, each copied in one read transaction (a consistent
 * snapshot; with WAL the server's writes go on meanwhile), the attachment files when the server keeps
 * them in a folder (CAIRN_ATTACHMENT_DIR), and `manifest.json` (time, version, schema, access-log
 * head, size and SHA-256 of every file). The order is in ORDER_NOTE. The backup is written into a
 * temporary folder next to `target`, renamed to `target` once complete: a folder named `target` is
 * always a whole backup. The token signing secret (`jwt-secret`) is never copied: whoever holds a
 * backup must not be able to mint tokens. PostgreSQL is refused (BackupError `postgres`).
 */
export async function backupSqlite(
  config: ServerConfig,
  target: string,
  onStep?: (step: BackupStep) => void,
): Promise<BackupManifest> {
  if (config.databaseUrl)
    throw new BackupError(
      'postgres',
      'the database is PostgreSQL (DATABASE_URL is set): back it up with pg_dump or continuous WAL archiving, as docs/production.md ("Backups: PostgreSQL") explains; cairn backup copies the embedded SQLite database',
    )
  const dataDir = resolve(config.dataDir)
  const dataFile = join(dataDir, DATA_FILE)
  const auditFile = join(dataDir, AUDIT_FILE)
  if (!existsSync(dataFile) || !existsSync(auditFile))
    throw new BackupError(
      'usage',
      `no Cairn database in ${dataDir} (${DATA_FILE} and ${AUDIT_FILE}): set CAIRN_DATA_DIR or --data-dir to the folder "cairn serve" uses`,
    )
  const out = resolve(target)
  if (out === dataDir || out.startsWith(`${dataDir}/`))
    throw new BackupError('usage', `the backup cannot go inside the data directory ${dataDir}`)
  if (existsSync(out) && (await readdir(out).catch(() => ['(not a folder)'])).length > 0)
    throw new BackupError('usage', `${out} already exists and is not empty: give a new folder for the backup`)
  await mkdir(dirname(out), { recursive: true })
  const work = join(dirname(out), `.${basename(out)}.partial-${randomBytes(4).toString('hex')}`)
  await mkdir(work, { mode: 0o700 })
  try {
    onStep?.('data')
    const createdAt = new Date()
    await copyDatabase(dataFile, join(work, DATA_FILE), config.sqliteBusyTimeoutMs)
    const dataCopied = Date.now()

    // The server records where it keeps attachments: a backup without them must not look complete.
    const attachmentDir = config.attachmentDir ? resolve(config.attachmentDir) : undefined
    const recorded = readAttachmentStore(join(work, DATA_FILE))
    if (recorded?.kind === 'directory' && !attachmentDir)
      throw new BackupError(
        'usage',
        `the server keeps the attachment files in ${recorded.dir} (CAIRN_ATTACHMENT_DIR), and this command runs without CAIRN_ATTACHMENT_DIR: set it as for "cairn serve", or the backup would miss every attachment`,
      )
    if (recorded?.kind === 'directory' && recorded.dir !== attachmentDir)
      throw new BackupError(
        'usage',
        `the server keeps the attachment files in ${recorded.dir} (CAIRN_ATTACHMENT_DIR), this command was given ${attachmentDir}: set CAIRN_ATTACHMENT_DIR to the folder "cairn serve" uses, at the same path`,
      )
    if (recorded?.kind === 'database' && attachmentDir)
      throw new BackupError(
        'usage',
        `the server keeps the attachments in its database, and this command was given CAIRN_ATTACHMENT_DIR=${attachmentDir}: unset it, as for "cairn serve"`,
      )
    let attachments: string[] = []
    let vanished: string[] = []
    if (attachmentDir) {
      onStep?.('attachments')
      ;({ copied: attachments, vanished } = await copyAttachments(
        attachmentDir,
        join(work, ATTACHMENTS_FOLDER),
      ))
    }

    onStep?.('audit')
    const wait = dataCopied + AUDIT_SETTLE_MS - Date.now()
    if (wait > 0) await new Promise((r) => setTimeout(r, wait))
    await copyDatabase(auditFile, join(work, AUDIT_BACKUP_FILE), config.sqliteBusyTimeoutMs)

    onStep?.('manifest')
    const paths = [DATA_FILE, AUDIT_BACKUP_FILE, ...attachments.map((p) => `${ATTACHMENTS_FOLDER}/${p}`)]
    const files: BackupFile[] = []
    for (const path of paths) files.push({ path, ...(await fileDigest(join(work, ...path.split('/')))) })
    const secret = await configuredSecretFingerprint(config.jwtSecret, dataDir)
    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      formatVersion: BACKUP_FORMAT_VERSION,
      createdAt: createdAt.toISOString(),
      finishedAt: new Date().toISOString(),
      cairnVersion: API_VERSION,
      schema: readSchemaVersion(join(work, DATA_FILE)),
      audit: readAuditPoints(join(work, AUDIT_BACKUP_FILE)),
      attachmentFiles: attachments.length,
      attachmentStore: attachmentDir ? 'directory' : 'database',
      ...(vanished.length > 0 ? { attachmentsVanished: vanished } : {}),
      ...(secret ? { secretFingerprint: secret } : {}),
      order: ORDER_NOTE,
      files,
    }
    await writeFile(join(work, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 })
    // An empty folder given as the target is replaced by the complete backup.
    if (existsSync(out)) await rmdir(out)
    await rename(work, out)
    return manifest
  } catch (error) {
    await rm(work, { recursive: true, force: true })
    throw error
  }
}

/**
 * Copies the SQLite database `from` into the new file `to` with SQLite's online backup API, in one
 * step: one read transaction over the whole file, so the copy is the database as one commit left it,
 * while (WAL) the server's writers go on. In small steps, a write by the server between two steps
 * would restart the copy, possibly for ever on a busy server. The copy is made private (0600).
 */
async function copyDatabase(from: string, to: string, busyTimeoutMs: number): Promise<void> {
  const source = new BetterSqlite3(from, { fileMustExist: true, timeout: busyTimeoutMs })
  try {
    await source.backup(to, { progress: () => ALL_PAGES })
  } finally {
    source.close()
  }
  await chmod(to, 0o600)
}
