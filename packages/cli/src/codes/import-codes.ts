import { Coding, SdkError, type CodingImportResult } from '@cairn/sdk'
import type { CodeFileLayout, CodeFileOptions, CodeRow } from './code-file-format.ts'
import { readCodeFile, type ReadProgress } from './code-file-reader.ts'
import type { ImportCounts } from './import-progress.ts'

/** Where codings go: the SDK's `codingApi` (its `importCodings` merges and reports by id). */
export interface CodingImporter {
  importCodings(codings: Coding[]): Promise<CodingImportResult>
}

/** The outcome of an import. */
export interface ImportSummary extends ImportCounts {
  layout: CodeFileLayout
  /** Lines skipped by design (inactive descriptions, synonyms), counted by reason. */
  skippedBy: Map<string, number>
  /** Lines rejected, with the reason, in line order. */
  rejectedLines: { line: number; reason: string }[]
}

/** A line read, waiting in the current batch. */
interface Pending {
  line: number
  coding: Coding
}

/** The coding a row describes: id `type|code|version`, its label in the row's language. */
export function codingOf(row: CodeRow): Coding {
  return new Coding({
    id: `${row.type}|${row.code}|${row.version}`,
    type: row.type,
    code: row.code,
    version: row.version,
    ...(row.label ? { description: { [row.language]: row.label } } : {}),
    ...(row.regions.length > 0 ? { regions: row.regions } : {}),
  })
}

/**
 * Imports a code file in batches of `batchSize` codings, one request (one transaction on the server)
 * each, while the file streams: memory holds one batch. The server creates the new codings and merges
 * the others, so a second run of the same file answers every coding unchanged. A batch the server
 * refuses as invalid (400) is retried one coding at a time to reject only the culprits, with the
 * server's reason; any other failure (network, rights) stops the import with what was done so far
 * (running it again resumes: what was imported is unchanged).
 */
export async function importCodeFile(
  path: string,
  options: CodeFileOptions,
  batchSize: number,
  importer: CodingImporter,
  onProgress: (bytesRead: number, counts: ImportCounts) => void = () => {},
): Promise<ImportSummary> {
  const progress: ReadProgress = { bytesRead: 0 }
  const counts: ImportCounts = { read: 0, created: 0, updated: 0, unchanged: 0, skipped: 0, rejected: 0 }
  const skippedBy = new Map<string, number>()
  const rejectedLines: { line: number; reason: string }[] = []
  let layout: CodeFileLayout | undefined
  let pending: Pending[] = []

  const add = (result: CodingImportResult) => {
    counts.created += result.created.length
    counts.updated += result.updated.length
    counts.unchanged += result.unchanged.length
  }
  const reject = (line: number, reason: string) => {
    counts.rejected++
    rejectedLines.push({ line, reason })
  }
  const flush = async () => {
    const batch = pending
    pending = []
    if (batch.length === 0) return
    try {
      add(await importer.importCodings(batch.map((p) => p.coding)))
    } catch (e) {
      if (!(e instanceof SdkError) || e.status !== 400) throw stopped(e, batch[0].line)
      for (const one of batch) {
        try {
          add(await importer.importCodings([one.coding]))
        } catch (single) {
          if (!(single instanceof SdkError) || single.status !== 400) throw stopped(single, one.line)
          reject(one.line, single.serverMessage ?? single.message)
        }
      }
    }
    onProgress(progress.bytesRead, counts)
  }

  for await (const item of readCodeFile(path, options, progress)) {
    if ('read' in item) {
      layout = item
      continue
    }
    counts.read++
    if (item.kind === 'skip') {
      counts.skipped++
      skippedBy.set(item.reason, (skippedBy.get(item.reason) ?? 0) + 1)
    } else if (item.kind === 'reject') reject(item.line, item.reason)
    else {
      pending.push({ line: item.line, coding: codingOf(item.row) })
      if (pending.length >= batchSize) await flush()
    }
  }
  await flush()
  rejectedLines.sort((a, b) => a.line - b.line)
  return { ...counts, layout: layout!, skippedBy, rejectedLines }

  /** The error that stops an import, saying where it stopped. */
  function stopped(error: unknown, line: number): Error {
    const message = error instanceof Error ? error.message : String(error)
    return new Error(
      `the import stopped at the batch starting on line ${line}: ${message}\n` +
        `So far: ${counts.read} lines read, ${counts.created} created, ${counts.updated} updated, ${counts.unchanged} unchanged. ` +
        'Running the same import again resumes it (what was imported is left unchanged).',
      { cause: error },
    )
  }
}
