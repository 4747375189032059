import { parseArgs } from 'node:util'

const HELP = `Usage: cairn backup <folder> [--data-dir DIR] [--json]

Online backup of the embedded SQLite database while the server runs and writes (docs/production.md,
"Backups: SQLite"). Writes the new <folder> with:
  cairn.db        the data, copied with SQLite's online backup API in one read (a consistent snapshot)
  audit.db        the access log, copied last (at least 1 s after the data), so that it holds an entry
                  for every write in cairn.db
  attachments/    the attachment files, when the server keeps them in CAIRN_ATTACHMENT_DIR (the server
                  records where it keeps them: a backup run without the same CAIRN_ATTACHMENT_DIR
                  is refused, and files deleted during the copy are reported)
  manifest.json   time, Cairn version, schema version, access-log head, size and SHA-256 of each file
The folder appears only once complete (it is written under a temporary name first). The token
signing secret (jwt-secret) is never copied: keep it, or CAIRN_JWT_SECRET, in your secret store.
Uses the same settings as "cairn serve": CAIRN_DATA_DIR (or --data-dir), CAIRN_ATTACHMENT_DIR.
With DATABASE_URL (PostgreSQL) it refuses: use pg_dump, as docs/production.md explains.

  --data-dir DIR   the data directory (default CAIRN_DATA_DIR, ./.cairn)
  --json           print the manifest as JSON instead of a summary

Exit codes: 0 done; 1 bad command line; 2 PostgreSQL, no database in the data directory, the
folder exists and is not empty, or CAIRN_ATTACHMENT_DIR is not the server's.`

/** `cairn backup <folder>`: see HELP. */
export async function runBackup(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'data-dir': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) {
    console.log(HELP)
    return 0
  }
  if (positionals.length !== 1) {
    console.error(`cairn backup takes one folder (got ${positionals.length})\n\n${HELP}`)
    return 1
  }
  // Loaded here, not at the top: `--help` should not wait for the server code.
  const { BackupError, backupSqlite, loadConfig } = await import('@cairn/server')
  const config = loadConfig(process.env, values['data-dir'] ? { dataDir: values['data-dir'] } : {})
  const steps = {
    data: 'copying cairn.db (the data)',
    attachments: 'copying the attachment files',
    audit: 'copying audit.db (the access log)',
    manifest: 'hashing the files and writing manifest.json',
  } as const
  try {
    const manifest = await backupSqlite(config, positionals[0], (step) =>
      process.stderr.write(`cairn backup: ${steps[step]}...\n`),
    )
    const vanished = manifest.attachmentsVanished ?? []
    if (vanished.length > 0)
      process.stderr.write(
        `cairn backup: warning: ${vanished.length} attachment file(s) were deleted while the backup ran, after the data was copied, and are not in it: ${vanished.join(', ')}. The backup's data may still reference them (their download would answer 404); run the backup again for a copy without this gap. They are listed in manifest.json (attachmentsVanished).\n`,
      )
    if (values.json) {
      console.log(JSON.stringify(manifest))
      return 0
    }
    const bytes = manifest.files.reduce((n, f) => n + f.bytes, 0)
    console.log(
      [
        `Backup written to ${positionals[0]}: data as of ${manifest.createdAt}, ${manifest.files.length} files, ${bytes} bytes.`,
        `Schema ${manifest.schema.latestMigration} (${manifest.schema.migrations} migrations), Cairn ${manifest.cairnVersion}.`,
        `Access log: ${manifest.audit.entries} entries, head seq ${manifest.audit.head.seq}, hash ${manifest.audit.head.hash}`,
        manifest.attachmentStore === 'directory'
          ? `Attachment files (CAIRN_ATTACHMENT_DIR): ${manifest.attachmentFiles}.`
          : 'Attachments: in the database (cairn.db).',
        'Keep the head with your records of this backup; "cairn restore" checks that it finds it again.',
        'Not included: the token signing secret (jwt-secret / CAIRN_JWT_SECRET): keep it apart, in your secret store.',
      ].join('\n'),
    )
    return 0
  } catch (error) {
    if (!(error instanceof BackupError)) throw error
    console.error(`cairn backup: ${error.message}`)
    return error.exitCode
  }
}
