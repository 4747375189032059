/**
 * What went wrong with the database, as far as a caller and an operator need to know. Drivers
 * report faults in their own vocabulary (SQLite result codes, PostgreSQL SQLSTATEs, Node socket
 * errors, pg's own messages); the rest of the server only sees these kinds.
 */
export type StorageFaultKind =
  /** No space left on the device or in the database: nothing was written. */
  | 'full'
  /** The database or its directory accepts no writes (read-only mount, hot standby). */
  | 'read-only'
  /** Another writer holds the lock longer than the busy timeout, or a deadlock was broken. */
  | 'busy'
  /** The database did not answer in time (statement, query or connect timeout). */
  | 'timeout'
  /** The connection was refused, reset or lost; the database is shutting down or unreachable. */
  | 'unreachable'
  /** The file could not be read or written (I/O error, file gone). */
  | 'io'

/** A classified database fault: its kind and the driver's own code, kept for the log. */
export interface StorageFault {
  readonly kind: StorageFaultKind
  /** The driver's code (SQLITE_FULL, 53100, ECONNRESET...) or message when it has no code. */
  readonly cause: string
}

/** Marks errors raised by the database layer (see markStorageError). */
const FROM_STORAGE = Symbol('cairn.storage-error')

/**
 * Marks `error` as raised by the database layer, so that the error handler classifies it: a socket
 * error such as ECONNRESET means a lost database connection when the driver raised it, but a client
 * that hung up when the HTTP layer did. Returns the same error, for `throw markStorageError(e)`.
 */
export function markStorageError<E>(error: E): E {
  if (typeof error === 'object' && error !== null && Object.isExtensible(error)) {
    Object.defineProperty(error, FROM_STORAGE, { value: true })
  }
  return error
}

/** Whether `error` came from the database layer: marked, or a SQLite error (only the database raises those). */
export function isStorageError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false
  if ((error as { [FROM_STORAGE]?: boolean })[FROM_STORAGE] === true) return true
  const { code } = error as { code?: unknown }
  return typeof code === 'string' && code.startsWith('SQLITE_')
}

/** SQLite primary result codes (extended codes start with them, e.g. SQLITE_IOERR_WRITE). */
const SQLITE_KINDS: readonly (readonly [string, StorageFaultKind])[] = [
  ['SQLITE_FULL', 'full'],
  ['SQLITE_READONLY', 'read-only'],
  ['SQLITE_BUSY', 'busy'],
  ['SQLITE_LOCKED', 'busy'],
  ['SQLITE_IOERR', 'io'],
  ['SQLITE_CANTOPEN', 'io'],
  ['SQLITE_NOTADB', 'io'],
  ['SQLITE_CORRUPT', 'io'],
]

/** PostgreSQL SQLSTATEs (exact codes first, then classes by their two first characters). */
const PG_CODES: Readonly<Record<string, StorageFaultKind>> = {
  '53100': 'full', // disk_full
  '53200': 'busy', // out_of_memory
  '53300': 'busy', // too_many_connections
  '25006': 'read-only', // read_only_sql_transaction
  '57014': 'timeout', // query_canceled (statement_timeout)
  '55P03': 'busy', // lock_not_available (lock_timeout)
  '40001': 'busy', // serialization_failure
  '40P01': 'busy', // deadlock_detected
  '57P01': 'unreachable', // admin_shutdown
  '57P02': 'unreachable', // crash_shutdown
  '57P03': 'unreachable', // cannot_connect_now (starting up, or connections disallowed)
  '3D000': 'unreachable', // invalid_catalog_name: the database was dropped or renamed
  '58030': 'io', // io_error
}
const PG_CLASSES: Readonly<Record<string, StorageFaultKind>> = {
  '08': 'unreachable', // connection_exception
}

/** Node socket errors on the way to a database server. */
const SOCKET_CODES: Readonly<Record<string, StorageFaultKind>> = {
  ECONNREFUSED: 'unreachable',
  ECONNRESET: 'unreachable',
  EPIPE: 'unreachable',
  ENOTFOUND: 'unreachable',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  EAI_AGAIN: 'unreachable',
  ETIMEDOUT: 'timeout',
  ENOSPC: 'full',
  EROFS: 'read-only',
  EIO: 'io',
}

/**
 * Messages of pg and pg-pool errors that carry no code: a connection that ended or broke, and the
 * client-side timeouts (connect, pool wait, query read).
 */
const PG_MESSAGES: readonly (readonly [RegExp, StorageFaultKind])[] = [
  [/timeout exceeded when trying to connect/i, 'timeout'],
  [/connection terminated due to connection timeout/i, 'timeout'],
  [/query read timeout/i, 'timeout'],
  [/connection terminated/i, 'unreachable'],
  [/not queryable/i, 'unreachable'],
  [/connection (?:to the database )?(?:is )?lost/i, 'unreachable'],
  [/cannot use a pool after calling end/i, 'unreachable'],
]

/**
 * Classifies an error thrown by the storage layer; undefined when it is not a database fault (a bug,
 * a constraint the code should have checked): those stay 500s so that they get fixed, not hidden.
 */
export function classifyStorageFault(error: unknown): StorageFault | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const { code, message } = error as { code?: unknown; message?: unknown }
  if (typeof code === 'string') {
    if (code.startsWith('SQLITE_')) {
      const found = SQLITE_KINDS.find(([prefix]) => code === prefix || code.startsWith(`${prefix}_`))
      return found && { kind: found[1], cause: code }
    }
    const kind = PG_CODES[code] ?? SOCKET_CODES[code] ?? PG_CLASSES[code.slice(0, 2)]
    if (kind) return { kind, cause: code }
  }
  if (typeof message === 'string') {
    const found = PG_MESSAGES.find(([pattern]) => pattern.test(message))
    if (found) return { kind: found[1], cause: message }
  }
  // AggregateError (a connect to "localhost" tries ::1 and 127.0.0.1) carries the socket errors inside.
  const inner = (error as { errors?: unknown }).errors
  if (Array.isArray(inner)) {
    for (const e of inner) {
      const fault = classifyStorageFault(e)
      if (fault) return fault
    }
  }
  return undefined
}

/** What a caller reads about each kind (the data path and driver details go to the log, not to callers). */
export const FAULT_MESSAGES: Readonly<Record<StorageFaultKind, string>> = {
  full: 'The database has no space left: nothing was saved. Reads still work; retry once space is freed',
  'read-only': 'The database is read-only at the moment: nothing was saved. Reads still work',
  busy: 'The database is busy: nothing was saved; retry shortly',
  timeout:
    'The database did not answer in time; retry shortly (a write is saved whole or not at all: if it was saved, the retry answers 409)',
  unreachable:
    'The database is unreachable; retry shortly (a write is saved whole or not at all: if it was saved, the retry answers 409)',
  io: 'The database could not read or write its files; retry shortly',
}

/** Seconds a client should wait before retrying, per kind (Retry-After). */
export const FAULT_RETRY_AFTER: Readonly<Record<StorageFaultKind, number>> = {
  full: 60,
  'read-only': 30,
  busy: 1,
  timeout: 5,
  unreachable: 5,
  io: 10,
}
