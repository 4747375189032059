import { describe, expect, it } from 'vitest'
import { classifyStorageFault, isStorageError, markStorageError } from './storage-fault.ts'
import { StorageFaultLog } from './storage-fault-log.ts'

const withCode = (code: string, message = 'driver message') => Object.assign(new Error(message), { code })

describe('classifyStorageFault', () => {
  it.each([
    ['SQLITE_FULL', 'full'],
    ['SQLITE_READONLY', 'read-only'],
    ['SQLITE_READONLY_DBMOVED', 'read-only'],
    ['SQLITE_BUSY', 'busy'],
    ['SQLITE_BUSY_SNAPSHOT', 'busy'],
    ['SQLITE_IOERR_WRITE', 'io'],
    ['SQLITE_CANTOPEN', 'io'],
    ['53100', 'full'],
    ['25006', 'read-only'],
    ['57014', 'timeout'],
    ['57P01', 'unreachable'],
    ['08006', 'unreachable'],
    ['08P01', 'unreachable'],
    ['40P01', 'busy'],
    ['ECONNREFUSED', 'unreachable'],
    ['ECONNRESET', 'unreachable'],
    ['ETIMEDOUT', 'timeout'],
    ['ENOSPC', 'full'],
  ])('%s is %s, with the driver code as cause', (code, kind) => {
    expect(classifyStorageFault(withCode(code))).toEqual({ kind, cause: code })
  })

  it.each([
    ['timeout exceeded when trying to connect', 'timeout'],
    ['Connection terminated due to connection timeout', 'timeout'],
    ['Query read timeout', 'timeout'],
    ['Connection terminated unexpectedly', 'unreachable'],
    ['Client has encountered a connection error and is not queryable', 'unreachable'],
  ])('pg message "%s" is %s', (message, kind) => {
    expect(classifyStorageFault(new Error(message))?.kind).toBe(kind)
  })

  it('finds a socket error inside an AggregateError (connecting to both ::1 and 127.0.0.1)', () => {
    const error = new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')], '')
    expect(classifyStorageFault(error)).toEqual({ kind: 'unreachable', cause: 'ECONNREFUSED' })
  })

  it.each([
    ['a bug', new TypeError('x is undefined')],
    ['a constraint violation', withCode('23505')],
    ['a syntax error', withCode('42601')],
    ['SQLITE_CONSTRAINT', withCode('SQLITE_CONSTRAINT_UNIQUE')],
    ['SQLITE_ERROR', withCode('SQLITE_ERROR')],
    ['a string', 'Connection terminated'],
    ['null', null],
  ])('%s is not a fault (stays a 500, to be fixed)', (_name, error) => {
    expect(classifyStorageFault(error)).toBeUndefined()
  })
})

describe('isStorageError', () => {
  it('is true for SQLite errors and errors the database layer marked, false for the same socket error elsewhere', () => {
    expect(isStorageError(withCode('SQLITE_BUSY'))).toBe(true)
    expect(isStorageError(markStorageError(withCode('ECONNRESET')))).toBe(true)
    // A client hanging up mid-body: ECONNRESET raised by the HTTP layer, not a database fault.
    expect(isStorageError(withCode('ECONNRESET'))).toBe(false)
    expect(isStorageError(new Error('Connection terminated'))).toBe(false)
    expect(isStorageError(null)).toBe(false)
    expect(isStorageError('SQLITE_FULL')).toBe(false)
  })
})

describe('StorageFaultLog', () => {
  it('logs a kind once per minute with the data path, counting what it did not log', () => {
    const lines: { entry: Record<string, unknown>; message: string }[] = []
    const log = new StorageFaultLog('sqlite /data/cairn.db')
    const logger = {
      error: (entry: Record<string, unknown>, message: string) => lines.push({ entry, message }),
    }
    log.attach(logger as unknown as Parameters<StorageFaultLog['attach']>[0])
    const full = { kind: 'full', cause: 'SQLITE_FULL' } as const
    log.report(full, 0)
    log.report(full, 1_000)
    log.report(full, 59_000)
    log.report({ kind: 'busy', cause: 'SQLITE_BUSY' }, 59_500)
    log.report(full, 61_000)
    expect(lines.map((l) => l.message)).toEqual([
      'database fault: full (SQLITE_FULL) at sqlite /data/cairn.db',
      'database fault: busy (SQLITE_BUSY) at sqlite /data/cairn.db',
      'database fault: full (SQLITE_FULL) at sqlite /data/cairn.db',
    ])
    expect(lines[0].entry).toEqual({ fault: 'full', cause: 'SQLITE_FULL', data: 'sqlite /data/cairn.db' })
    expect(lines[2].entry.unloggedSinceLast).toBe(2)
  })
})
