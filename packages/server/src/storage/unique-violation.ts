/** SQLite extended result codes of a broken primary key or unique constraint (better-sqlite3 `code`). */
const SQLITE_UNIQUE_CODES = new Set(['SQLITE_CONSTRAINT_PRIMARYKEY', 'SQLITE_CONSTRAINT_UNIQUE'])

/** PostgreSQL SQLSTATE unique_violation (pg `code`). */
const PG_UNIQUE_VIOLATION = '23505'

/**
 * Whether a driver error is a unique-constraint violation, on either dialect. Writes check for
 * existing keys first; this catches the race where a concurrent writer wins between check and write.
 */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false
  const code = (error as { code?: unknown }).code
  return code === PG_UNIQUE_VIOLATION || (typeof code === 'string' && SQLITE_UNIQUE_CODES.has(code))
}
