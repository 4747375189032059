import { parseArgs } from 'node:util'

const HELP = `Usage: cairn restore <backup folder> [--data-dir DIR] [--attachment-dir DIR] [--force] [--json]

Restores a backup made by "cairn backup" into the embedded SQLite data directory (docs/production.md,
"Restore"). Stop the server first. In order:
  1. checks every file of the backup against the size and SHA-256 of its manifest, that this Cairn
     knows the backup's schema, and that attachments go where the backed-up server kept them (the
     database, or CAIRN_ATTACHMENT_DIR);
  2. refuses a data directory that already holds a database (unless --force) and one that a running
     server has open, or whose lock it cannot probe (always);
  3. copies cairn.db and audit.db into a staging folder inside the data directory, runs PRAGMA
     integrity_check on both, opens them there as "cairn serve" would (migrating a backup of an older
     version) and verifies the access log's hash chain up to the head the manifest recorded; stages
     the attachment files inside the attachment folder, checked by hash;
  4. probes the old database again, then swaps the attachment files and the databases in. Nothing
     in place is touched before this step: a failed check leaves the data directory as it was.
With --force the replaced files are renamed aside, never deleted: cairn.db.replaced-<time>,
audit.db.replaced-<time> and <attachment folder>/.replaced-<time>/; remove them once the restored
server works.
The token signing secret is not in a backup: an existing jwt-secret file is kept; without one (and
without CAIRN_JWT_SECRET) the server makes a new one and every user logs in again.
Uses the same settings as "cairn serve": CAIRN_DATA_DIR (or --data-dir), CAIRN_ATTACHMENT_DIR.

  --data-dir DIR         the data directory to restore into (default CAIRN_DATA_DIR, ./.cairn)
  --attachment-dir DIR   where the attachment files go (default CAIRN_ATTACHMENT_DIR)
  --force                replace the database (and attachment files) already there, moving them aside
  --json                 print the result as JSON

Exit codes: 0 restored; 1 bad command line; 2 PostgreSQL (DATABASE_URL set) or attachments without an
attachment folder, or an attachment folder for a backup that kept them in the database; 3 the backup is unusable (no or bad manifest, a file missing, corrupted or
altered, made by a newer version); 4 the data directory or attachment folder is not empty (--force);
5 a server is running on the data directory (or its lock cannot be probed); 6 the restored database fails its integrity check or
its access log does not verify (nothing was replaced).`

/** `cairn restore <backup>`: see HELP. */
export async function runRestore(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'data-dir': { type: 'string' },
      'attachment-dir': { type: 'string' },
      force: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) {
    console.log(HELP)
    return 0
  }
  if (positionals.length !== 1) {
    console.error(`cairn restore takes one backup folder (got ${positionals.length})\n\n${HELP}`)
    return 1
  }
  // Loaded here, not at the top: `--help` should not wait for the server code.
  const { BackupError, loadConfig, restoreSqlite } = await import('@cairn/server')
  const config = loadConfig(process.env, values['data-dir'] ? { dataDir: values['data-dir'] } : {})
  const steps = {
    verify: 'checking the files of the backup against its manifest',
    check: 'checking the data directory',
    install: 'copying the databases into a staging folder, PRAGMA integrity_check',
    audit: 'opening the staged database (migrations) and verifying the access log',
    attachments: 'copying the attachment files into a staging folder',
    swap: 'moving the restored files in place',
  } as const
  try {
    const report = await restoreSqlite(config, positionals[0], {
      force: values.force,
      attachmentDir: values['attachment-dir'],
      onStep: (step) => process.stderr.write(`cairn restore: ${steps[step]}...\n`),
    })
    const { manifest } = report
    if (values.json) {
      const { manifest: _manifest, ...rest } = report
      const { createdAt, cairnVersion, schema, audit } = manifest
      console.log(JSON.stringify({ ...rest, backup: { createdAt, cairnVersion, schema, audit } }))
      return 0
    }
    console.log(
      [
        `Restored the backup of ${manifest.createdAt} (Cairn ${manifest.cairnVersion}, schema ${manifest.schema.latestMigration}) into ${report.dataDir}${report.replaced ? ', replacing the database that was there' : ''}.`,
        ...(report.movedAside.length > 0
          ? [
              `The replaced files were moved aside, not deleted: ${report.movedAside.join(', ')}. Remove them once the restored server works.`,
            ]
          : []),
        `Checked: ${manifest.files.length} files against the manifest (SHA-256), PRAGMA integrity_check ok on cairn.db and audit.db.`,
        `Access log intact: ${report.auditChecked} entries checked, head seq ${manifest.audit.head.seq}, hash ${manifest.audit.head.hash} (as the manifest recorded).`,
        ...(report.attachmentDir
          ? [`Attachment files: ${manifest.attachmentFiles} restored into ${report.attachmentDir}.`]
          : []),
        ...(report.migrated.length > 0
          ? [
              `Schema brought forward by ${report.migrated.length} migration(s): ${report.migrated.join(', ')}.`,
            ]
          : []),
        ...(report.newJwtSecret
          ? [
              'No token signing secret here (jwt-secret) and no CAIRN_JWT_SECRET: the server will make a new one, so',
              'every user logs in again, and codes and messages waiting in the outbox cannot be opened. Put the old',
              'jwt-secret file back (mode 600) first to avoid that.',
            ]
          : []),
        ...(report.secretDiffers
          ? [
              'Warning: the token signing secret here (jwt-secret / CAIRN_JWT_SECRET) is not the one of the backed-up',
              'server: every user logs in again, and codes and messages waiting in the outbox cannot be opened. Put',
              'the old secret back first to avoid that.',
            ]
          : []),
        `Start the server on it: cairn serve --data-dir ${report.dataDir}`,
      ].join('\n'),
    )
    return 0
  } catch (error) {
    if (!(error instanceof BackupError)) throw error
    console.error(`cairn restore: ${error.message}`)
    return error.exitCode
  }
}
