import { basename, extname } from 'node:path'
import {
  MAX_CODING_CODE_LENGTH,
  MAX_CODING_LABEL_LENGTH,
  MAX_CODING_REGIONS,
  MAX_CODING_TYPE_LENGTH,
  MAX_CODING_VERSION_LENGTH,
} from '@cairn/protocol'

/**
 * The layouts `cairn codes import` reads (docs/codings.md):
 * - `csv`: a header naming the columns `code` (required), `label` (or `display`, `description`,
 *   `term`, `name`, `text`), `type` (or `system`, `codesystem`), `version`, `language` (or `lang`,
 *   `languagecode`) and `region` (or `regions`, several separated by `;`), in any order and case;
 *   other columns are ignored;
 * - `loinc`: the LOINC table (Loinc.csv): `LOINC_NUM` is the code, `LONG_COMMON_NAME` the label
 *   (`COMPONENT` when empty), type `LOINC`, language `en`;
 * - `snomed-rf2`: a SNOMED CT RF2 description file (`id effectiveTime active moduleId conceptId
 *   languageCode typeId term caseSignificanceId`, tab-separated, no quoting): one coding per concept
 *   (`conceptId`) labelled with its active fully specified name in `languageCode`, type `SNOMEDCT`;
 *   synonyms and inactive descriptions are skipped. The version defaults to the release date in the
 *   file name (`..._20240101.txt`).
 */
export type CodeFileFormat = 'csv' | 'loinc' | 'snomed-rf2'
export const CODE_FILE_FORMATS: readonly CodeFileFormat[] = ['csv', 'loinc', 'snomed-rf2']

/** Values the command line gives for every line (`--type`, `--version`, `--language`, `--region`). */
export interface CodeFileOptions {
  format?: CodeFileFormat
  type?: string
  version?: string
  language?: string
  region?: string
}

/** One coding read from a line. */
export interface CodeRow {
  type: string
  code: string
  version: string
  language: string
  label?: string
  regions: string[]
}

/** What one data line of the file gives: a coding, a line skipped by design, or a line rejected. */
export type LineOutcome =
  | { kind: 'coding'; line: number; row: CodeRow }
  | { kind: 'skip'; line: number; reason: string }
  | { kind: 'reject'; line: number; reason: string }

/** How to read a file: its delimiter, whether fields may be quoted, and how a record becomes a coding. */
export interface CodeFileLayout {
  format: CodeFileFormat
  delimiter: string
  /** False for SNOMED CT RF2 files, which never quote and whose terms may contain `"`. */
  quoted: boolean
  /** Type and version of the file, when the command line or the format gives one (for the summary). */
  describe: string
  read(record: readonly string[], line: number): LineOutcome
}

/** SNOMED CT description type of a fully specified name. */
const FULLY_SPECIFIED_NAME = '900000000000003001'

/** Header names compared without case, spaces or punctuation (`LOINC_NUM` -> `loincnum`). */
const normalise = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '')

/** The separator of the first line: tab, semicolon or comma, whichever it holds most of; else by file name. */
export function detectDelimiter(firstLine: string, path: string): string {
  const count = (c: string) => firstLine.split(c).length - 1
  const tabs = count('\t')
  const semicolons = count(';')
  const commas = count(',')
  if (tabs > 0 && tabs >= commas && tabs >= semicolons) return '\t'
  if (semicolons > commas) return ';'
  if (commas > 0) return ','
  return ['.tsv', '.txt'].includes(extname(path).toLowerCase()) ? '\t' : ','
}

/** The format a header announces: LOINC and RF2 columns are recognised, anything else is generic CSV. */
export function detectFormat(header: readonly string[]): CodeFileFormat {
  const names = new Set(header.map(normalise))
  if (names.has('loincnum')) return 'loinc'
  if (names.has('conceptid') && names.has('typeid') && names.has('term')) return 'snomed-rf2'
  return 'csv'
}

/**
 * The layout of a file from its header row, the delimiter and the command-line options. Throws, before
 * anything is imported, when a column the format needs is missing or when no version is known (no
 * `version` column and no `--version`).
 */
export function codeFileLayout(
  header: readonly string[],
  delimiter: string,
  path: string,
  options: CodeFileOptions,
): CodeFileLayout {
  const format = options.format ?? detectFormat(header)
  const names = header.map(normalise)
  const column = (...aliases: string[]) => {
    const index = names.findIndex((n) => aliases.includes(n))
    return index < 0 ? undefined : index
  }
  const need = (what: string, ...aliases: string[]) => {
    const index = column(...aliases)
    if (index === undefined)
      throw new Error(
        `${basename(path)} (${format}) has no ${what} column: looked for ${aliases.join(', ')} in the header ${JSON.stringify(header.join(delimiter))}`,
      )
    return index
  }
  const regionOf = (value: string | undefined) =>
    [...(value ?? '').split(/[;|]/), ...(options.region ? [options.region] : [])]
      .map((r) => r.trim())
      .filter((r) => r.length > 0)

  if (format === 'snomed-rf2') {
    const concept = need('conceptId', 'conceptid')
    const term = need('term', 'term')
    const active = need('active', 'active')
    const typeId = need('typeId', 'typeid')
    const language = column('languagecode')
    const version = options.version ?? /_(\d{8})\.[a-z]+$/i.exec(basename(path))?.[1]
    if (!version)
      throw new Error(
        `no version for ${basename(path)}: give --version (RF2 files named like sct2_Description_Snapshot-en_INT_20240101.txt give their release date)`,
      )
    const type = options.type ?? 'SNOMEDCT'
    return {
      format,
      delimiter,
      quoted: false,
      describe: `type ${type}, version ${version}`,
      read(record, line) {
        if (record[active] !== '1') return { kind: 'skip', line, reason: 'inactive description' }
        if (record[typeId] !== FULLY_SPECIFIED_NAME)
          return { kind: 'skip', line, reason: 'not a fully specified name (synonyms are not imported)' }
        return checked(line, {
          type,
          code: record[concept] ?? '',
          version,
          language: (language !== undefined ? record[language] : undefined) || options.language || 'en',
          label: record[term],
          regions: regionOf(undefined),
        })
      },
    }
  }

  if (format === 'loinc') {
    const code = need('LOINC_NUM', 'loincnum')
    const longName = column('longcommonname')
    const component = column('component')
    if (longName === undefined && component === undefined)
      throw new Error(`${basename(path)} (loinc) has neither a LONG_COMMON_NAME nor a COMPONENT column`)
    if (!options.version)
      throw new Error(`no version for ${basename(path)}: give --version (the LOINC release, e.g. 2.77)`)
    const type = options.type ?? 'LOINC'
    const version = options.version
    return {
      format,
      delimiter,
      quoted: true,
      describe: `type ${type}, version ${version}`,
      read(record, line) {
        const label =
          (longName !== undefined ? record[longName] : undefined) ||
          (component !== undefined ? record[component] : undefined)
        return checked(line, {
          type,
          code: record[code] ?? '',
          version,
          language: options.language ?? 'en',
          label,
          regions: regionOf(undefined),
        })
      },
    }
  }

  const code = need('code', 'code')
  const label = column('label', 'display', 'description', 'term', 'name', 'text')
  const type = column('type', 'system', 'codesystem')
  const version = column('version')
  const language = column('language', 'lang', 'languagecode')
  const region = column('region', 'regions')
  if (type === undefined && !options.type)
    throw new Error(`${basename(path)} has no type column: give --type (e.g. --type ICD10)`)
  if (version === undefined && !options.version)
    throw new Error(`${basename(path)} has no version column: give --version`)
  const at = (record: readonly string[], index: number | undefined) =>
    index === undefined ? undefined : record[index]?.trim() || undefined
  return {
    format,
    delimiter,
    quoted: true,
    describe: [
      options.type ? `type ${options.type}` : 'types from the file',
      options.version ? `version ${options.version}` : 'versions from the file',
    ].join(', '),
    read(record, line) {
      return checked(line, {
        type: at(record, type) ?? options.type ?? '',
        code: at(record, code) ?? '',
        version: at(record, version) ?? options.version ?? '',
        language: at(record, language) ?? options.language ?? 'en',
        label: at(record, label),
        regions: regionOf(at(record, region)),
      })
    },
  }
}

/** The row as a coding, or the line rejected with what is wrong with it (the server's bounds). */
function checked(line: number, row: CodeRow): LineOutcome {
  const reason = problemOf(row)
  if (reason) return { kind: 'reject', line, reason }
  return { kind: 'coding', line, row: row.label ? row : { ...row, label: undefined } }
}

/** What makes a row unacceptable to the server, in words; undefined if nothing does. */
export function problemOf(row: CodeRow): string | undefined {
  const parts: [string, string, number][] = [
    ['type', row.type, MAX_CODING_TYPE_LENGTH],
    ['code', row.code, MAX_CODING_CODE_LENGTH],
    ['version', row.version, MAX_CODING_VERSION_LENGTH],
  ]
  for (const [name, value, max] of parts) {
    if (!value) return `no ${name}`
    // eslint-disable-next-line no-control-regex -- control characters are what is refused here
    if (/[|\u0000-\u001f]/.test(value))
      return `the ${name} ${JSON.stringify(value)} contains "|" or a control character`
    if (value.length > max) return `the ${name} is longer than ${max} characters`
  }
  if (!/^[A-Za-z0-9-]{1,35}$/.test(row.language))
    return `${JSON.stringify(row.language)} is not a language code`
  if (row.label !== undefined && row.label.length > MAX_CODING_LABEL_LENGTH)
    return `the label is longer than ${MAX_CODING_LABEL_LENGTH} characters`
  if (row.regions.length > MAX_CODING_REGIONS) return `more than ${MAX_CODING_REGIONS} regions`
  const long = row.regions.find((r) => r.length > 50)
  if (long) return `the region ${JSON.stringify(long)} is longer than 50 characters`
  return undefined
}
