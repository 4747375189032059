import { readFile, stat } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { MAX_CODING_BATCH_SIZE } from '@cairn/protocol'
import { MemoryStorage, SimpleMedTechCryptoStrategies, medTechApi, type MedTechApi } from '@cairn/sdk'
import { CODE_FILE_FORMATS, type CodeFileFormat } from '../codes/code-file-format.ts'
import { readCodeFile } from '../codes/code-file-reader.ts'
import { importCodeFile, type ImportSummary } from '../codes/import-codes.ts'
import { importProgress } from '../codes/import-progress.ts'

/** Codings per request unless --batch-size says otherwise: about 100 KB of JSON, one transaction. */
const DEFAULT_BATCH_SIZE = 200

/** The server of a local installation (`cairn serve`'s default port). */
const DEFAULT_URL = 'http://127.0.0.1:16043'

/** Rejected lines listed one by one in the summary; the rest are counted. */
const LISTED_REJECTIONS = 20

const HELP = `Usage: cairn codes import FILE [options]

Imports a code system (codings: SNOMED CT, LOINC, ICD...) from a CSV or TSV file into a Cairn server.
The file is streamed and sent in batches, each created or merged in one transaction: new codes are
created; a code that exists gets the file's labels (by language) and regions added, nothing is
removed; a code already holding them is left unchanged. Importing the same file again therefore
changes nothing (the summary then counts every code as unchanged), and an interrupted import resumes
when run again.

It goes through the server's HTTP API with the SDK, as an admin or a healthcare professional (the
only users allowed to write codings), rather than into the database: the server's checks and its
word index apply, it works against a remote or running server, and on SQLite and PostgreSQL alike.

Formats (--format, else detected from the header; the delimiter , ; or tab from the header line):
  csv          a header naming the columns: code (required), label | display | description | term |
               name | text, type | system, version, language | lang, region | regions (several
               separated by ";"); other columns are ignored. Quoted fields may hold delimiters,
               doubled quotes and line breaks.
  loinc        the LOINC table (Loinc.csv): LOINC_NUM, LONG_COMMON_NAME (else COMPONENT); type LOINC,
               language en; --version is required (the LOINC release).
  snomed-rf2   a SNOMED CT RF2 description file (sct2_Description_...txt, tab-separated): each active
               fully specified name becomes the label of its concept in its languageCode; synonyms and
               inactive descriptions are skipped; type SNOMEDCT; the version defaults to the date in
               the file name.

Options:
  --format F         csv | loinc | snomed-rf2
  --type T           code system of every line (default: the type column, LOINC or SNOMEDCT)
  --version V        version of every line without one (required when the file gives none)
  --language L       language of the labels without one (default en)
  --region R         region added to every code
  --batch-size N     codes per request, 1 to ${MAX_CODING_BATCH_SIZE} (default ${DEFAULT_BATCH_SIZE})
  --url URL          server (default http://127.0.0.1:16043)
  --login LOGIN      an admin or a healthcare professional (default $CAIRN_ADMIN_LOGIN or "admin")
  --password PW      its password (default $CAIRN_ADMIN_PASSWORD)
  --credentials F    the file "cairn create-hcp" wrote (login, password and key pair of a professional)

Progress goes to stderr (a bar on a terminal, a line every few seconds otherwise), the summary to
stdout: lines read, codes created, updated and unchanged, lines skipped and rejected (with reasons).`

/** `cairn codes <command>`: only `import` exists. */
export async function runCodes(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  if (command === 'import') return importCommand(rest)
  if (command === undefined || command === '--help' || command === '-h') {
    console.log(HELP)
    return command === undefined ? 1 : 0
  }
  console.error(`Unknown codes command "${command}"\n\n${HELP}`)
  return 1
}

/** `cairn codes import FILE`: see HELP. */
async function importCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      format: { type: 'string' },
      type: { type: 'string' },
      version: { type: 'string' },
      language: { type: 'string' },
      region: { type: 'string' },
      'batch-size': { type: 'string' },
      url: { type: 'string' },
      login: { type: 'string' },
      password: { type: 'string' },
      credentials: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) {
    console.log(HELP)
    return 0
  }
  if (positionals.length !== 1) throw new Error(`give exactly one FILE to import\n\n${HELP}`)
  const [file] = positionals
  const format = values.format as CodeFileFormat | undefined
  if (format !== undefined && !CODE_FILE_FORMATS.includes(format))
    throw new Error(`--format must be one of ${CODE_FILE_FORMATS.join(', ')} (got "${format}")`)
  const batchSize = Number(values['batch-size'] ?? DEFAULT_BATCH_SIZE)
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_CODING_BATCH_SIZE)
    throw new Error(`--batch-size must be an integer from 1 to ${MAX_CODING_BATCH_SIZE}`)
  const size = await stat(file).then(
    (s) => s.size,
    (e: NodeJS.ErrnoException) => {
      throw new Error(`cannot read ${file}: ${e.code ?? e.message}`)
    },
  )

  const options = {
    format,
    type: values.type,
    version: values.version,
    language: values.language,
    region: values.region,
  }
  // The header is checked before signing in: a missing column or version fails at once.
  const header = readCodeFile(file, options)
  await header.next()
  await header.return(undefined)

  const api = await signIn(values)
  const progress = importProgress(size)
  let summary: ImportSummary
  try {
    summary = await importCodeFile(file, options, batchSize, api.codingApi, (bytes, counts) =>
      progress.update(bytes, counts),
    )
  } finally {
    progress.stop()
    await api.logout().catch(() => {})
  }
  console.log(summaryText(file, summary))
  return 0
}

/**
 * A crypto strategy that never makes a key pair: the import only needs to sign in, and a professional
 * signing in without its key must not get a new one (that would replace its published key).
 */
class ExistingKeysOnly extends SimpleMedTechCryptoStrategies {
  override allowNewKeyPairGeneration(): Promise<boolean> {
    return Promise.resolve(false)
  }
}

/** Signs in with --credentials, or --login / --password (the admin's by default). */
async function signIn(values: {
  url?: string
  login?: string
  password?: string
  credentials?: string
}): Promise<MedTechApi> {
  let login = values.login ?? process.env.CAIRN_ADMIN_LOGIN ?? 'admin'
  let password = values.password ?? process.env.CAIRN_ADMIN_PASSWORD
  let keys: { privateKey: string; publicKey: string }[] = []
  let url = values.url
  if (values.credentials) {
    const file = JSON.parse(await readFile(values.credentials, 'utf8')) as {
      url?: string
      login: string
      password: string
      keyPair?: { privateKey: string; publicKey: string }
    }
    ;({ login, password } = file)
    keys = file.keyPair ? [file.keyPair] : []
    url ??= file.url
  }
  if (!password) throw new Error('--password (or CAIRN_ADMIN_PASSWORD, or --credentials) is required')
  return medTechApi()
    .withICureBaseUrl(url ?? DEFAULT_URL)
    .withUserName(login)
    .withPassword(password)
    .withStorage(new MemoryStorage())
    .withCryptoStrategies(new ExistingKeysOnly(keys))
    .build()
}

/** The summary printed at the end. */
export function summaryText(file: string, s: ImportSummary): string {
  const lines = [
    `Imported ${file} (${s.layout.format}, ${s.layout.describe}):`,
    `  lines read  ${s.read}`,
    `  created     ${s.created}`,
    `  updated     ${s.updated}`,
    `  unchanged   ${s.unchanged}`,
    `  skipped     ${s.skipped}${s.skippedBy.size > 0 ? ` (${[...s.skippedBy].map(([reason, count]) => `${reason}: ${count}`).join('; ')})` : ''}`,
    `  rejected    ${s.rejected}`,
    ...s.rejectedLines.slice(0, LISTED_REJECTIONS).map((r) => `    line ${r.line}: ${r.reason}`),
  ]
  if (s.rejectedLines.length > LISTED_REJECTIONS)
    lines.push(`    ... and ${s.rejectedLines.length - LISTED_REJECTIONS} more`)
  return lines.join('\n')
}
