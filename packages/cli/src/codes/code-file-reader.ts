import { createReadStream } from 'node:fs'
import { open } from 'node:fs/promises'
import { parse, type CsvError } from 'csv-parse'
import {
  codeFileLayout,
  detectDelimiter,
  detectFormat,
  type CodeFileLayout,
  type CodeFileOptions,
  type LineOutcome,
} from './code-file-format.ts'

/** Bytes read to find the header line (and so the delimiter) before the file is streamed. */
const PEEK_BYTES = 64 * 1024

/** How far the reading got, for progress: bytes read of the file's size. */
export interface ReadProgress {
  bytesRead: number
}

/** The first line of a file (without its end of line and byte order mark). */
async function firstLine(path: string): Promise<string> {
  const file = await open(path, 'r')
  try {
    const buffer = Buffer.alloc(PEEK_BYTES)
    const { bytesRead } = await file.read(buffer, 0, PEEK_BYTES, 0)
    const text = buffer
      .subarray(0, bytesRead)
      .toString('utf8')
      .replace(/^\uFEFF/, '')
    return text.split(/\r?\n/, 1)[0]
  } finally {
    await file.close()
  }
}

/**
 * Reads a code file line by line, streaming (it is never loaded whole: an RF2 snapshot is hundreds of
 * megabytes): the header row gives the layout (code-file-format.ts), then every data line yields what
 * it gives. Quoted CSV fields may hold the delimiter, doubled quotes and line breaks; a line that does
 * not parse (a broken quote) is rejected with the parser's reason and the reading goes on. The first
 * value is the layout, once the header is read; errors about the header throw before any line.
 */
export async function* readCodeFile(
  path: string,
  options: CodeFileOptions,
  progress: ReadProgress = { bytesRead: 0 },
): AsyncGenerator<CodeFileLayout | LineOutcome> {
  const header = await firstLine(path)
  const delimiter = detectDelimiter(header, path)
  // The format decides the quoting, which the parser needs before it starts: RF2 files never quote
  // (their terms may hold a lone `"`). The header's names are read from the first line for that.
  const format = options.format ?? detectFormat(header.split(delimiter).map((f) => f.replace(/^"|"$/g, '')))
  const skipped: LineOutcome[] = []
  const parser = parse({
    delimiter,
    quote: format === 'snomed-rf2' ? false : '"',
    bom: true,
    relax_quotes: true,
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    info: true,
    on_skip: (error: CsvError | undefined) => {
      if (error)
        skipped.push({
          kind: 'reject',
          line: typeof error.lines === 'number' ? error.lines : 0,
          reason: error.message,
        })
      return undefined
    },
  })
  const input = createReadStream(path)
  input.on('data', () => {
    progress.bytesRead = input.bytesRead
  })
  input.on('error', (e) => parser.destroy(e))
  input.pipe(parser)

  let layout: CodeFileLayout | undefined
  let columns = 0
  for await (const { record, info } of parser as AsyncIterable<{
    record: string[]
    info: { lines: number }
  }>) {
    yield* skipped.splice(0)
    if (!layout) {
      layout = codeFileLayout(record, delimiter, path, { ...options, format })
      columns = record.length
      yield layout
      continue
    }
    if (
      record.length !== columns &&
      !(record.length > columns && record.slice(columns).every((v) => v === ''))
    ) {
      yield {
        kind: 'reject',
        line: info.lines,
        reason: `${record.length} fields where the header has ${columns}`,
      }
      continue
    }
    yield layout.read(record, info.lines)
  }
  yield* skipped.splice(0)
  progress.bytesRead = input.bytesRead
  if (!layout) throw new Error(`${path} is empty: it needs a header row`)
}
