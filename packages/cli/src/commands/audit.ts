import { parseArgs } from 'node:util'
import {
  AUDIT_ACTIONS,
  MAX_AUDIT_PAGE,
  ROUTES,
  type AuditAction,
  type AuditEntryDto,
  type AuditQueryDto,
} from '@cairn/protocol'
import { ADMIN_OPTIONS, ADMIN_OPTIONS_HELP, AdminClient, adminLoginOf } from './admin-client.ts'

const HELP = `Usage: cairn audit list|verify [options]

The access log (docs/audit.md): every read, creation, modification, share and deletion of a record,
every login and failed login, with ids, actions and times (never content), in an append-only,
hash-chained table.

  cairn audit list [filters] [--after SEQ] [--limit N] [--all] [--json]
      Entries oldest first, over HTTP as an admin. Filters:
        --actor USER_ID          the user who acted
        --data-owner ID          the data owner the user acted as
        --entity ID              the record acted on
        --type TYPE              its type (Patient, DataSample, ...)
        --action ACTION          ${AUDIT_ACTIONS.join(', ')}
        --from DATE, --to DATE   time range [from, to): an ISO date (2024-05-01, 2024-05-01T12:00Z)
                                 or epoch milliseconds
      --after SEQ                start after this entry (the "next" a previous page printed)
      --limit N                  entries per page (1 to ${MAX_AUDIT_PAGE}; default: the server's)
      --all                      every page, one after the other
      --json                     one JSON object per line; the next cursor goes to stderr
${ADMIN_OPTIONS_HELP}

  cairn audit verify [--data-dir DIR] [--json]
      Walks the hash chain of the log in the database itself, not through the server (it exists to
      detect tampering with the database, so it does not trust the server): prints the entries
      checked and the head (its seq and hash: keep them elsewhere, a later check must find them
      again). A broken chain prints the first bad entry and why, and exits with 1. Uses the same
      database as "cairn serve": DATABASE_URL (and CAIRN_PG_SCHEMA) for PostgreSQL, CAIRN_DATA_DIR or
      --data-dir for the embedded SQLite database.`

/** `cairn audit <command>`: see HELP. */
export async function runAudit(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  if (command === undefined || command === '--help' || command === '-h') {
    console.log(HELP)
    return command === undefined ? 1 : 0
  }
  if (command === 'list') return listCommand(rest)
  if (command === 'verify') return verifyCommand(rest)
  console.error(`Unknown audit command "${command}"\n\n${HELP}`)
  return 1
}

/** `cairn audit list`: one page (or every page with --all) of the admin listing. */
async function listCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...ADMIN_OPTIONS,
      actor: { type: 'string' },
      'data-owner': { type: 'string' },
      entity: { type: 'string' },
      type: { type: 'string' },
      action: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      after: { type: 'string' },
      limit: { type: 'string' },
      all: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) {
    console.log(HELP)
    return 0
  }
  const query = queryOf(values)
  const client = await AdminClient.login(adminLoginOf(values))
  try {
    let after = query.after
    let printed = 0
    for (let first = true; ; first = false) {
      const page = await client.call(ROUTES.audit.list, { query: { ...query, after } })
      if (values.json) for (const row of page.rows) console.log(JSON.stringify(row))
      else printTable(page.rows, first)
      printed += page.rows.length
      if (!page.next) break
      // A cursor that does not move forward would loop forever: a broken server.
      if (after !== undefined && BigInt(page.next) <= BigInt(after))
        throw new Error(`the server paged back (next ${page.next} after ${after})`)
      after = page.next
      if (!values.all) {
        // The cursor: where the next page starts (`--after`), on stderr in JSON mode so that stdout
        // stays one entry per line.
        if (values.json) console.error(JSON.stringify({ next: page.next }))
        else console.log(`next: ${page.next}   (cairn audit list ... --after ${page.next})`)
        return 0
      }
    }
    if (!values.json) console.log(printed === 0 ? 'No entry' : `End of the log (${printed} entries)`)
  } finally {
    await client.logout()
  }
  return 0
}

/** Column widths of the table: fixed, so that the pages of --all line up. */
const COLUMNS = [
  ['SEQ', 6],
  ['TIME', 24],
  ['ACTION', 11],
  ['ACTOR', 36],
  ['AS DATA OWNER', 36],
  ['TYPE', 18],
  ['ENTITY', 36],
  ['CLIENT', 15],
  ['REQUEST', 0],
] as const

/** Prints entries as a table (its header before the first page). */
function printTable(rows: AuditEntryDto[], header: boolean): void {
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(COLUMNS[i][1]))
      .join('  ')
      .trimEnd()
  if (header) console.log(line(COLUMNS.map(([name]) => name)))
  for (const r of rows)
    console.log(
      line([
        r.seq,
        new Date(r.at).toISOString(),
        r.action,
        r.actorUserId ?? '-',
        r.actorDataOwnerId ?? '-',
        r.entityType ?? '-',
        r.entityId ?? '-',
        r.clientAddress ?? '-',
        r.requestId ?? '-',
      ]),
    )
}

/** The admin query of `list` from its flags; throws for a malformed one (the server checks ids). */
function queryOf(values: {
  actor?: string
  'data-owner'?: string
  entity?: string
  type?: string
  action?: string
  from?: string
  to?: string
  after?: string
  limit?: string
}): AuditQueryDto {
  const query: AuditQueryDto = {}
  if (values.actor !== undefined) query.actorUserId = values.actor
  if (values['data-owner'] !== undefined) query.actorDataOwnerId = values['data-owner']
  if (values.entity !== undefined) query.entityId = values.entity
  if (values.type !== undefined) query.entityType = values.type
  if (values.action !== undefined) {
    if (!(AUDIT_ACTIONS as readonly string[]).includes(values.action))
      throw new Error(`--action must be one of ${AUDIT_ACTIONS.join(', ')} (got "${values.action}")`)
    query.action = values.action as AuditAction
  }
  if (values.from !== undefined) query.from = timeOf('from', values.from)
  if (values.to !== undefined) query.to = timeOf('to', values.to)
  if (query.from !== undefined && query.to !== undefined && query.from > query.to)
    throw new Error(
      `--from (${new Date(query.from).toISOString()}) is after --to (${new Date(query.to).toISOString()})`,
    )
  if (values.after !== undefined) {
    if (!/^[0-9]{1,19}$/.test(values.after))
      throw new Error(`--after must be the seq a previous page printed as next (got "${values.after}")`)
    query.after = values.after
  }
  if (values.limit !== undefined) {
    const n = Number(values.limit)
    if (!/^\d+$/.test(values.limit) || n < 1 || n > MAX_AUDIT_PAGE)
      throw new Error(`--limit must be a whole number from 1 to ${MAX_AUDIT_PAGE} (got "${values.limit}")`)
    query.limit = n
  }
  return query
}

/** Epoch ms of a --from / --to value: digits are epoch milliseconds, anything else an ISO date. */
function timeOf(flag: string, value: string): number {
  const t = /^\d+$/.test(value) ? Number(value) : Date.parse(value)
  if (!Number.isSafeInteger(t) || t < 0)
    throw new Error(
      `--${flag} must be an ISO date (2024-05-01T12:00:00Z) or epoch milliseconds (got "${value}")`,
    )
  return t
}

/** `cairn audit verify`: checks the chain in the database, without the server. */
async function verifyCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
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
  // Loaded here, not at the top: `--help` should not wait for the server code.
  const { loadConfig, verifyAuditLog } = await import('@cairn/server')
  const config = loadConfig(process.env, values['data-dir'] ? { dataDir: values['data-dir'] } : {})
  // Progress on a terminal only: a long log takes a while, and scripts want the result alone.
  const progress = process.stderr.isTTY
    ? (checked: number) => process.stderr.write(`\rchecked ${checked} entries...`)
    : undefined
  const report = await verifyAuditLog(config, progress)
  if (progress) process.stderr.write('\r\x1b[K')
  if (values.json) console.log(JSON.stringify(report))
  else if (report.ok)
    console.log(
      [
        `Audit log intact: ${report.checked} entries checked${fromAnchor(report.anchor)}.`,
        `Head: seq ${report.head.seq}, hash ${report.head.hash}`,
        'Keep the head where whoever runs the database cannot change it: a later check must still find',
        'this seq with this hash (the newest entries removed, or the whole log rewritten, are not',
        'detectable otherwise).',
      ].join('\n'),
    )
  else
    console.error(
      [
        `Audit log BROKEN at seq ${report.brokenAt}: ${report.reason}.`,
        `${report.checked} entries checked${fromAnchor(report.anchor)} before it; the last intact one: seq ${report.head.seq}, hash ${report.head.hash}`,
      ].join('\n'),
    )
  return report.ok ? 0 : 1
}

/** Where a verification started, when retention deleted the oldest entries (empty otherwise). */
function fromAnchor(anchor: { seq: number; hash: string }): string {
  return anchor.seq > 0 ? ` (from seq ${anchor.seq + 1}: older entries were deleted by retention)` : ''
}
