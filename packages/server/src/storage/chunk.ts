/**
 * Splits rows into runs that fit one multi-row statement: each row binds `paramsPerRow` parameters and
 * a statement may bind at most `maxParams` (SQLite 32766, PostgreSQL 65535). Big batches thus become
 * a handful of statements instead of one per row, without ever hitting the driver's limit.
 */
export function chunkRows<T>(rows: readonly T[], paramsPerRow: number, maxParams: number): T[][] {
  const size = Math.max(1, Math.floor(maxParams / paramsPerRow))
  const chunks: T[][] = []
  for (let i = 0; i < rows.length; i += size) chunks.push(rows.slice(i, i + size))
  return chunks
}
