import cliProgress from 'cli-progress'

/** What an import has done so far. */
export interface ImportCounts {
  /** Data lines read (the header not counted). */
  read: number
  created: number
  updated: number
  unchanged: number
  skipped: number
  rejected: number
}

/** Shows how an import goes, on stderr; `stop()` before printing the summary. */
export interface ImportProgress {
  update(bytesRead: number, counts: ImportCounts): void
  stop(): void
}

/** Seconds between two plain progress lines (not on a terminal: a log file or a CI job). */
const PLAIN_INTERVAL_MS = 5_000

/** "12,345". */
const n = (value: number) => value.toLocaleString('en-US')

/**
 * A progress bar (cli-progress) when stderr is a terminal, else a plain line after the first batch
 * and then at most every PLAIN_INTERVAL_MS, so that a log gets a few lines rather than a redrawn bar.
 * Progress is counted in bytes of the file, the only total known without reading it twice.
 */
export function importProgress(
  totalBytes: number,
  stream: NodeJS.WriteStream = process.stderr,
): ImportProgress {
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format:
          'importing |{bar}| {percentage}% | {read} lines: {created} created, {updated} updated, {unchanged} unchanged, {rejected} rejected',
        hideCursor: true,
        // The value is in bytes; the counts are the interesting numbers.
        formatValue: (value, _options, type) => (type === 'percentage' ? String(value) : n(value)),
      },
      cliProgress.Presets.shades_classic,
    )
    bar.start(Math.max(totalBytes, 1), 0, { read: 0, created: 0, updated: 0, unchanged: 0, rejected: 0 })
    return {
      update: (bytes, counts) => bar.update(bytes, counts),
      stop: () => bar.stop(),
    }
  }
  let last = 0
  return {
    update(bytes, counts) {
      const now = Date.now()
      if (last !== 0 && now - last < PLAIN_INTERVAL_MS) return
      last = now
      const percent = totalBytes > 0 ? Math.floor((100 * bytes) / totalBytes) : 100
      stream.write(
        `codes import: ${percent}% of the file, ${n(counts.read)} lines: ${n(counts.created)} created, ${n(counts.updated)} updated, ${n(counts.unchanged)} unchanged, ${n(counts.skipped)} skipped, ${n(counts.rejected)} rejected\n`,
      )
    },
    stop: () => {},
  }
}
