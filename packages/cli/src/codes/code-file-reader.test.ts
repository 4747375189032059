import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  detectDelimiter,
  detectFormat,
  problemOf,
  type CodeFileOptions,
  type LineOutcome,
} from './code-file-format.ts'
import { readCodeFile } from './code-file-reader.ts'
import { codingOf } from './import-codes.ts'

const dir = mkdtempSync(join(tmpdir(), 'cairn-codes-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Writes `content` to `name` and reads it: the layout's format and what every line gave. */
async function read(name: string, content: string, options: CodeFileOptions = {}) {
  const path = join(dir, name)
  writeFileSync(path, content)
  let format: string | undefined
  const lines: LineOutcome[] = []
  for await (const item of readCodeFile(path, options)) {
    if ('read' in item) format = item.format
    else lines.push(item)
  }
  return { format, lines }
}

const codings = (lines: LineOutcome[]) => lines.flatMap((l) => (l.kind === 'coding' ? [l.row] : []))

describe('detection', () => {
  it('finds the delimiter in the header line, else from the file name', () => {
    expect(detectDelimiter('code,label,type', 'a.txt')).toBe(',')
    expect(detectDelimiter('code\tlabel\ttype', 'a.csv')).toBe('\t')
    expect(detectDelimiter('code;label;"a,b"', 'a.csv')).toBe(';')
    expect(detectDelimiter('code', 'a.tsv')).toBe('\t')
  })

  it('recognises LOINC and SNOMED CT RF2 headers', () => {
    expect(detectFormat(['"LOINC_NUM"', 'COMPONENT'].map((h) => h.replaceAll('"', '')))).toBe('loinc')
    expect(
      detectFormat([
        'id',
        'effectiveTime',
        'active',
        'moduleId',
        'conceptId',
        'languageCode',
        'typeId',
        'term',
      ]),
    ).toBe('snomed-rf2')
    expect(detectFormat(['Code', 'Display'])).toBe('csv')
  })
})

describe('readCodeFile: generic CSV and TSV', () => {
  it('parses quoted fields holding delimiters, doubled quotes and line breaks, with a BOM', async () => {
    const { format, lines } = await read(
      'quoted.csv',
      '\uFEFFCode,Display,System,Version,Language,Regions\r\n' +
        'E11,"Diabetes, type 2",ICD10,2019,en,be;fr\r\n' +
        'X1,"A ""quoted"" name",ICD10,2019,fr,\r\n' +
        'X2,"two\nlines",ICD10,2019,,\r\n',
    )
    expect(format).toBe('csv')
    expect(codings(lines)).toEqual([
      {
        type: 'ICD10',
        code: 'E11',
        version: '2019',
        language: 'en',
        label: 'Diabetes, type 2',
        regions: ['be', 'fr'],
      },
      { type: 'ICD10', code: 'X1', version: '2019', language: 'fr', label: 'A "quoted" name', regions: [] },
      { type: 'ICD10', code: 'X2', version: '2019', language: 'en', label: 'two\nlines', regions: [] },
    ])
    // The line of a record is where it ends.
    expect(lines.map((l) => l.line)).toEqual([2, 3, 5])
  })

  it('takes type, version, language and region from the options, the columns winning', async () => {
    const { lines } = await read('tsv.tsv', 'code\tlabel\ttype\nA\tAlpha\t\nB\tBeta\tOTHER\n', {
      type: 'MINE',
      version: '1',
      language: 'nl',
      region: 'be',
    })
    expect(codings(lines)).toEqual([
      { type: 'MINE', code: 'A', version: '1', language: 'nl', label: 'Alpha', regions: ['be'] },
      { type: 'OTHER', code: 'B', version: '1', language: 'nl', label: 'Beta', regions: ['be'] },
    ])
  })

  it('rejects bad lines with their reason and goes on', async () => {
    const { lines } = await read(
      'bad.csv',
      'code,label,type,version\n' +
        ',No code,T,1\n' +
        'a|b,Pipe,T,1\n' +
        'ok,Fine,T,1\n' +
        'short,T\n' +
        `long,${'x'.repeat(2001)},T,1\n` +
        'q,"broken "quote" here,T,1\n' +
        'last,Last,T,1\n',
    )
    const rejected = lines
      .filter((l) => l.kind === 'reject')
      .map((l) => [l.line, (l as { reason: string }).reason])
    expect(rejected[0]).toEqual([2, 'no code'])
    expect(rejected[1]).toEqual([3, 'the code "a|b" contains "|" or a control character'])
    expect(rejected[2]).toEqual([5, '2 fields where the header has 4'])
    expect(rejected[3]).toEqual([6, 'the label is longer than 2000 characters'])
    expect(codings(lines).map((r) => r.code)).toEqual(expect.arrayContaining(['ok', 'last']))
  })

  it('refuses a header without what the format needs, before any line', async () => {
    await expect(read('nocode.csv', 'label,version\nA,1\n', { type: 'T' })).rejects.toThrow(/no code column/)
    await expect(read('noversion.csv', 'code,type\nA,T\n')).rejects.toThrow(/give --version/)
    await expect(read('notype.csv', 'code,version\nA,1\n')).rejects.toThrow(/give --type/)
    await expect(read('empty.csv', '')).rejects.toThrow(/empty/)
  })
})

describe('readCodeFile: LOINC and SNOMED CT RF2', () => {
  it('reads a LOINC-style table: LOINC_NUM and LONG_COMMON_NAME, COMPONENT when the name is empty', async () => {
    const { format, lines } = await read(
      'Loinc.csv',
      '"LOINC_NUM","COMPONENT","PROPERTY","STATUS","LONG_COMMON_NAME"\n' +
        '"90001-1","Glucose","MCnc","ACTIVE","Glucose [Mass/volume] in Serum, fasting"\n' +
        '"90002-9","Hemoglobin A1c","MFr","ACTIVE",""\n',
      { version: '2.77' },
    )
    expect(format).toBe('loinc')
    expect(codings(lines)).toEqual([
      {
        type: 'LOINC',
        code: '90001-1',
        version: '2.77',
        language: 'en',
        label: 'Glucose [Mass/volume] in Serum, fasting',
        regions: [],
      },
      {
        type: 'LOINC',
        code: '90002-9',
        version: '2.77',
        language: 'en',
        label: 'Hemoglobin A1c',
        regions: [],
      },
    ])
    await expect(read('Loinc2.csv', '"LOINC_NUM","COMPONENT"\n"1-1","x"\n')).rejects.toThrow(/give --version/)
  })

  it('reads an RF2 description file: active fully specified names, quotes as plain text, version from the name', async () => {
    const fsn = '900000000000003001'
    const synonym = '900000000000013009'
    const row = (id: string, active: string, concept: string, lang: string, type: string, term: string) =>
      [id, '20240101', active, '900000000000207008', concept, lang, type, term, '900000000000448009'].join(
        '\t',
      )
    const { format, lines } = await read(
      'sct2_Description_Snapshot-en_TEST_20240101.txt',
      'id\teffectiveTime\tactive\tmoduleId\tconceptId\tlanguageCode\ttypeId\tterm\tcaseSignificanceId\n' +
        `${row('11', '1', '44054006', 'en', fsn, 'Diabetes mellitus type 2 (disorder)')}\n` +
        `${row('12', '1', '44054006', 'en', synonym, 'Type 2 diabetes mellitus')}\n` +
        `${row('13', '0', '73211009', 'en', fsn, 'Old name (disorder)')}\n` +
        `${row('14', '1', '90000001', 'en', fsn, 'The "so-called" finding (finding)')}\n`,
    )
    expect(format).toBe('snomed-rf2')
    expect(codings(lines)).toEqual([
      {
        type: 'SNOMEDCT',
        code: '44054006',
        version: '20240101',
        language: 'en',
        label: 'Diabetes mellitus type 2 (disorder)',
        regions: [],
      },
      {
        type: 'SNOMEDCT',
        code: '90000001',
        version: '20240101',
        language: 'en',
        label: 'The "so-called" finding (finding)',
        regions: [],
      },
    ])
    expect(lines.filter((l) => l.kind === 'skip').map((l) => (l as { reason: string }).reason)).toEqual([
      'not a fully specified name (synonyms are not imported)',
      'inactive description',
    ])
  })
})

describe('problemOf and codingOf', () => {
  it('names what the server would refuse', () => {
    const row = { type: 'T', code: 'C', version: '1', language: 'en', regions: [] as string[] }
    expect(problemOf(row)).toBeUndefined()
    expect(problemOf({ ...row, version: '' })).toBe('no version')
    expect(problemOf({ ...row, language: 'e n' })).toBe('"e n" is not a language code')
    expect(problemOf({ ...row, type: 'x'.repeat(101) })).toBe('the type is longer than 100 characters')
  })

  it('builds the coding of a row: id type|code|version, the label in the row’s language', () => {
    const coding = codingOf({
      type: 'T',
      code: 'C',
      version: '1',
      language: 'fr',
      label: 'Libellé',
      regions: ['be'],
    })
    expect(coding).toMatchObject({
      id: 'T|C|1',
      type: 'T',
      code: 'C',
      version: '1',
      description: { fr: 'Libellé' },
      regions: ['be'],
    })
  })
})
