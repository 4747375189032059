/**
 * What went wrong in `cairn backup` or `cairn restore`, one kind per exit code, so that scripts and
 * cron jobs can tell a backup they must not trust from a target they must clear or a server they
 * must stop (docs/production.md lists them).
 */
export type BackupErrorKind =
  /** The database is PostgreSQL: pg_dump / pg_restore do this job (docs/production.md). */
  | 'postgres'
  /** Nothing to back up, a target that exists, an attachment folder that is needed and not given. */
  | 'usage'
  /** The backup cannot be used: no or malformed manifest, a file missing, made by a newer version. */
  | 'bad-backup'
  /** A file of the backup is not what its manifest says (size or SHA-256): corrupted or altered. */
  | 'corrupted'
  /** The data directory (or attachment folder) already holds data, and --force was not given. */
  | 'not-empty'
  /** A process (a running server) has the database open. */
  | 'in-use'
  /** The restored database fails PRAGMA integrity_check, or its access log does not verify. */
  | 'check-failed'

/** Exit code of each kind (1 stays for usage errors of the command line and the unexpected). */
export const BACKUP_EXIT_CODES: Readonly<Record<BackupErrorKind, number>> = {
  postgres: 2,
  usage: 2,
  'bad-backup': 3,
  corrupted: 3,
  'not-empty': 4,
  'in-use': 5,
  'check-failed': 6,
}

/** A failure of a backup or a restore that the operator can act on; `exitCode` for the CLI. */
export class BackupError extends Error {
  constructor(
    readonly kind: BackupErrorKind,
    message: string,
  ) {
    super(message)
    this.name = 'BackupError'
  }

  /** The exit code of `cairn backup` / `cairn restore` for this failure. */
  get exitCode(): number {
    return BACKUP_EXIT_CODES[this.kind]
  }
}
