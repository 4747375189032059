import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { BackupError } from './backup-error.ts'
import type { FileDigest } from './file-digest.ts'

/** Name of the manifest in a backup folder. */
export const MANIFEST_FILE = 'manifest.json'

/** Value of `format` in every manifest: what tells a Cairn backup from any other folder. */
export const BACKUP_FORMAT = 'cairn-sqlite-backup'

/** Version of the layout below; a restore refuses a version it does not know. */
export const BACKUP_FORMAT_VERSION = 1

/** Names of the two database files in a backup, as in the data directory. */
export const DATA_FILE = 'cairn.db'
export const AUDIT_BACKUP_FILE = 'audit.db'

/** Folder of the attachment files in a backup (when the server kept them in CAIRN_ATTACHMENT_DIR). */
export const ATTACHMENTS_FOLDER = 'attachments'

/** One file of a backup: its path inside the backup folder (always `/`-separated), size and hash. */
export interface BackupFile extends FileDigest {
  path: string
}

/** The manifest (`manifest.json`) of a backup made by `cairn backup`. */
export interface BackupManifest {
  format: typeof BACKUP_FORMAT
  formatVersion: typeof BACKUP_FORMAT_VERSION
  /** When the data was copied (ISO 8601): the backup holds the data as it was then. */
  createdAt: string
  /** When the backup was complete (ISO 8601). */
  finishedAt: string
  /** Version of the Cairn server package that made it. */
  cairnVersion: string
  /** The database schema: the newest migration it had, and how many had run. */
  schema: { latestMigration: string; migrations: number }
  /**
   * The access log as copied: entries from the anchor (after retention) to the head. A restore must
   * find the same head; keep it with the backup's records.
   */
  audit: { entries: number; anchor: { seq: number; hash: string }; head: { seq: number; hash: string } }
  /** Attachment files copied from CAIRN_ATTACHMENT_DIR (0 when they live in the database). */
  attachmentFiles: number
  /**
   * Where the backed-up server kept attachments: in the database (inside `cairn.db`) or as files
   * (`attachments/`). A restore refuses a target configured for the other kind: its server would not
   * find them. Absent in backups made before it was recorded (then: files when there are some).
   */
  attachmentStore?: 'database' | 'directory'
  /**
   * Attachment files deleted while the backup ran, after the data was copied: the backup's data may
   * still reference them (their download then answers 404). Absent or empty when none.
   */
  attachmentsVanished?: string[]
  /**
   * Fingerprint of the token signing secret of the backed-up server (auth/secret-agreement.ts, never
   * the secret): a restore warns when the target's differs. Absent when it could not be read.
   */
  secretFingerprint?: string
  /** Why the files were copied in this order (a note for whoever reads the manifest). */
  order: string
  /** Every file of the backup but the manifest. */
  files: BackupFile[]
}

/** A path inside a backup: relative, `/`-separated, without `.`, `..` or empty segments. */
const SAFE_PATH = /^(?!.*(?:^|\/)\.{1,2}(?:\/|$))[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*$/

/**
 * Reads and checks the manifest of the backup folder `dir`: a Cairn backup of a known format version,
 * the two database files listed once each, every path inside the folder (a manifest naming
 * `../x` must not make a restore read or write elsewhere). Throws BackupError `bad-backup` otherwise.
 */
export async function readManifest(dir: string): Promise<BackupManifest> {
  let text: string
  try {
    text = await readFile(join(dir, MANIFEST_FILE), 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new BackupError(
      'bad-backup',
      code === 'ENOENT' || code === 'ENOTDIR'
        ? `${dir} is not a Cairn backup: it has no ${MANIFEST_FILE} (give the folder "cairn backup" wrote)`
        : `cannot read ${join(dir, MANIFEST_FILE)}: ${(error as Error).message}`,
    )
  }
  let manifest: BackupManifest
  try {
    manifest = JSON.parse(text) as BackupManifest
  } catch {
    throw new BackupError(
      'bad-backup',
      `${join(dir, MANIFEST_FILE)} is not valid JSON: the backup is damaged`,
    )
  }
  const bad = (why: string) => new BackupError('bad-backup', `${join(dir, MANIFEST_FILE)}: ${why}`)
  if (typeof manifest !== 'object' || manifest === null || manifest.format !== BACKUP_FORMAT)
    throw bad(`not a Cairn backup manifest (format is not "${BACKUP_FORMAT}")`)
  // Read untyped: a manifest of another version is outside the type of this one.
  const { formatVersion, cairnVersion } = manifest as { formatVersion?: unknown; cairnVersion?: unknown }
  if (formatVersion !== BACKUP_FORMAT_VERSION) {
    throw bad(
      `backup format version ${String(formatVersion)}, this Cairn reads version ${BACKUP_FORMAT_VERSION}: restore it with the Cairn that made it (${String(cairnVersion)})`,
    )
  }
  if (typeof manifest.schema?.latestMigration !== 'string') throw bad('no schema version')
  const head = manifest.audit?.head
  if (!head || !Number.isSafeInteger(head.seq) || typeof head.hash !== 'string')
    throw bad('no access-log head')
  if (
    manifest.attachmentStore !== undefined &&
    manifest.attachmentStore !== 'database' &&
    manifest.attachmentStore !== 'directory'
  )
    throw bad(`unknown attachment store ${JSON.stringify(manifest.attachmentStore)}`)
  if (manifest.secretFingerprint !== undefined && typeof manifest.secretFingerprint !== 'string')
    throw bad('malformed secret fingerprint')
  if (!Array.isArray(manifest.files)) throw bad('no list of files')
  const seen = new Set<string>()
  for (const file of manifest.files) {
    if (typeof file?.path !== 'string' || !SAFE_PATH.test(file.path))
      throw bad(`unsafe or malformed file path ${JSON.stringify(file?.path)}`)
    if (!Number.isSafeInteger(file.bytes) || file.bytes < 0 || !/^[0-9a-f]{64}$/.test(String(file.sha256)))
      throw bad(`malformed size or SHA-256 for ${file.path}`)
    if (
      file.path !== DATA_FILE &&
      file.path !== AUDIT_BACKUP_FILE &&
      !file.path.startsWith(`${ATTACHMENTS_FOLDER}/`)
    )
      throw bad(`unexpected file ${file.path}`)
    if (seen.has(file.path)) throw bad(`${file.path} is listed twice`)
    seen.add(file.path)
  }
  for (const required of [DATA_FILE, AUDIT_BACKUP_FILE])
    if (!seen.has(required)) throw bad(`${required} is not listed`)
  return manifest
}
