import {
  AUDIT_ACTIONS,
  MAX_AUDIT_PAGE,
  ROUTES,
  type AccessLogQueryDto,
  type AuditAction,
  type AuditQueryDto,
} from '@cairn/protocol'
import { AccessLogEntry, AuditEntry } from '../models/index.ts'
import { SdkError } from '../http/sdk-error.ts'
import { requireSelf, type ApiContext } from './api-context.ts'

/**
 * What to list of a data owner's access log: entries about one record (`entityId`) or every record
 * it holds, of one action, in the time range `[from, to)` (epoch ms), after the position `after`
 * (the `next` of the previous page), at most `limit` (1 to 1000, the server's default otherwise).
 */
export interface AccessLogOptions {
  entityId?: string
  action?: AuditAction
  from?: number
  to?: number
  after?: string
  limit?: number
}

/** {@link AccessLogOptions} of `getAllAccessLog`: no page size, but a bound on what is gathered. */
export interface AllAccessLogOptions extends Omit<AccessLogOptions, 'limit'> {
  /** Most entries gathered (default 10 000): past it, the answer's `next` says where to go on. */
  maxEntries?: number
}

/**
 * What to list of the whole access log (admins): any combination of the acting user
 * (`actorUserId`), the data owner it acted as (`actorDataOwnerId`), the record (`entityId`,
 * `entityType`), the action and the time range, paged as {@link AccessLogOptions}.
 */
export interface AuditQuery extends AccessLogOptions {
  actorUserId?: string
  actorDataOwnerId?: string
  entityType?: string
}

/** A page of a data owner's access log, oldest first; `next` (absent on the last page) goes on. */
export interface AccessLogPage {
  rows: AccessLogEntry[]
  next?: string
}

/** A page of the admin listing, oldest first; `next` (absent on the last page) goes on. */
export interface AuditPage {
  rows: AuditEntry[]
  next?: string
}

/** Default bound of `getAllAccessLog`: ten full pages, enough for a record's history on screen. */
const DEFAULT_MAX_ENTRIES = 10_000

/** Same pattern as the server's: a UUID. */
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/
/** A position in the log: the decimal digits of a sequence number (at most 19: a signed 64-bit integer). */
const SEQ = /^[0-9]{1,19}$/
/** Longest entity type the server accepts. */
const MAX_ENTITY_TYPE_LENGTH = 64

const RANGE_KEYS = ['action', 'from', 'to', 'after', 'limit'] as const
const ACCESS_LOG_KEYS = ['entityId', ...RANGE_KEYS] as const
const AUDIT_KEYS = ['actorUserId', 'actorDataOwnerId', 'entityId', 'entityType', ...RANGE_KEYS] as const

/**
 * The access log (Cairn extension, docs/audit.md): the server records, in an append-only and
 * hash-chained log, every read, creation, modification, share and deletion of a record, and every
 * login and failed login. An entry holds ids (the acting user and data owner, the record), the action
 * and the time; never the content of a record (which the server cannot read anyway), keys, passwords
 * or tokens.
 *
 * Every data owner lists the entries about the records it holds ("who read my record":
 * {@link getAccessLog}); the client addresses and request ids of those entries are kept for admins,
 * who list the whole log with {@link listAuditEntries}. Options are checked here, before any request:
 * a mistake is an SdkError `BAD_REQUEST` naming the option.
 */
export class AuditApi {
  constructor(private readonly ctx: ApiContext) {}

  /**
   * One page of the access log of the logged-in data owner: who read, created, modified, shared or
   * deleted the records it holds, oldest first, filtered by `options`. Rejects for users that are not
   * data owners; with `entityId`, rejects with the server's `404 - ` when the data owner may not read
   * that record (the same answer as for an id that does not exist).
   */
  async getAccessLog(options: AccessLogOptions = {}): Promise<AccessLogPage> {
    const query = accessLogQuery('getAccessLog', options)
    const { selfId } = requireSelf(this.ctx)
    const page = await this.ctx.http.call(ROUTES.audit.accessLog, { params: { dataOwnerId: selfId }, query })
    return { rows: page.rows.map((r) => new AccessLogEntry(r)), ...(page.next ? { next: page.next } : {}) }
  }

  /** {@link getAccessLog} of one record the data owner holds: who read or changed it, and when. */
  getAccessLogOf(entityId: string, options: Omit<AccessLogOptions, 'entityId'> = {}): Promise<AccessLogPage> {
    if ('entityId' in (options ?? {}))
      throw new SdkError(
        'BAD_REQUEST',
        'getAccessLogOf: give the record as the first argument, not in options',
      )
    return this.getAccessLog({ ...options, entityId })
  }

  /**
   * Every entry of {@link getAccessLog} matching `options`, page after page (1000 a page), up to
   * `maxEntries` (default 10 000, so that a busy record cannot exhaust memory): when more remain, the
   * answer's `next` is where to go on (as `after`); it is absent once everything was read.
   */
  async getAllAccessLog(options: AllAccessLogOptions = {}): Promise<AccessLogPage> {
    const { maxEntries = DEFAULT_MAX_ENTRIES, ...rest } = options ?? {}
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1)
      throw new SdkError(
        'BAD_REQUEST',
        `getAllAccessLog: maxEntries must be a whole number of at least 1 (got ${String(maxEntries)})`,
      )
    if ('limit' in rest)
      throw new SdkError(
        'BAD_REQUEST',
        'getAllAccessLog: use maxEntries to bound it (pages are as large as allowed)',
      )
    accessLogQuery('getAllAccessLog', rest)
    const rows: AccessLogEntry[] = []
    let after = rest.after
    for (;;) {
      const page = await this.getAccessLog({
        ...rest,
        after,
        limit: Math.min(MAX_AUDIT_PAGE, maxEntries - rows.length),
      })
      rows.push(...page.rows)
      if (!page.next) return { rows }
      // A `next` that does not move forward would page forever: a broken server, not an empty log.
      if (after !== undefined && BigInt(page.next) <= BigInt(after))
        throw new SdkError(
          'INTERNAL',
          `getAllAccessLog: the server paged back (next ${page.next} after ${after})`,
        )
      after = page.next
      if (rows.length >= maxEntries) return { rows, next: after }
    }
  }

  /**
   * One page of the whole access log, oldest first, filtered by `query` (admins only; others get
   * `403 - `). Entries include the request id and client address of each request, and the logins and
   * failed logins (which name no record).
   */
  async listAuditEntries(query: AuditQuery = {}): Promise<AuditPage> {
    const dto = auditQuery('listAuditEntries', query)
    const page = await this.ctx.http.call(ROUTES.audit.list, { query: dto })
    return { rows: page.rows.map((r) => new AuditEntry(r)), ...(page.next ? { next: page.next } : {}) }
  }
}

/** The wire query of {@link AuditApi.getAccessLog}, or the SdkError of the first bad option. */
function accessLogQuery(method: string, options: AccessLogOptions): AccessLogQueryDto {
  const o = checkKeys(method, options, ACCESS_LOG_KEYS)
  checkId(method, 'entityId', o.entityId)
  return { ...range(method, o), ...(o.entityId !== undefined ? { entityId: o.entityId } : {}) }
}

/** The wire query of {@link AuditApi.listAuditEntries}, or the SdkError of the first bad option. */
function auditQuery(method: string, query: AuditQuery): AuditQueryDto {
  const q = checkKeys(method, query, AUDIT_KEYS)
  checkId(method, 'actorUserId', q.actorUserId)
  checkId(method, 'actorDataOwnerId', q.actorDataOwnerId)
  checkId(method, 'entityId', q.entityId)
  if (
    q.entityType !== undefined &&
    (typeof q.entityType !== 'string' ||
      q.entityType.length === 0 ||
      q.entityType.length > MAX_ENTITY_TYPE_LENGTH)
  )
    throw bad(method, `entityType must be an entity type such as "Patient" (got ${show(q.entityType)})`)
  const out: AuditQueryDto = { ...range(method, q) }
  for (const key of ['actorUserId', 'actorDataOwnerId', 'entityId', 'entityType'] as const)
    if (q[key] !== undefined) out[key] = q[key]
  return out
}

/** The action, time range and paging options, checked. */
function range(method: string, o: AccessLogOptions): AccessLogQueryDto {
  if (o.action !== undefined && !(AUDIT_ACTIONS as readonly unknown[]).includes(o.action))
    throw bad(method, `action must be one of ${AUDIT_ACTIONS.join(', ')} (got ${show(o.action)})`)
  for (const key of ['from', 'to'] as const) {
    const t = o[key]
    if (t !== undefined && !(Number.isSafeInteger(t) && t >= 0))
      throw bad(method, `${key} must be a time in epoch milliseconds, e.g. Date.now() (got ${show(t)})`)
  }
  if (o.from !== undefined && o.to !== undefined && o.from > o.to)
    throw bad(
      method,
      `from (${new Date(o.from).toISOString()}) is after to (${new Date(o.to).toISOString()}): the range is [from, to)`,
    )
  if (o.after !== undefined && !(typeof o.after === 'string' && SEQ.test(o.after)))
    throw bad(method, `after must be the next of a previous page, a string of digits (got ${show(o.after)})`)
  if (o.limit !== undefined && !(Number.isSafeInteger(o.limit) && o.limit >= 1 && o.limit <= MAX_AUDIT_PAGE))
    throw bad(method, `limit must be a whole number from 1 to ${MAX_AUDIT_PAGE} (got ${show(o.limit)})`)
  const out: AccessLogQueryDto = {}
  for (const key of RANGE_KEYS) if (o[key] !== undefined) (out as Record<string, unknown>)[key] = o[key]
  return out
}

/**
 * The options object, refusing keys the query does not know: a misspelt filter (`entityID`) would
 * otherwise be dropped and the whole log listed instead.
 */
function checkKeys<T extends object>(method: string, options: T, allowed: readonly string[]): T {
  if (options === null || typeof options !== 'object' || Array.isArray(options))
    throw bad(method, 'options must be an object')
  const unknown = Object.keys(options).filter((k) => !allowed.includes(k))
  if (unknown.length > 0)
    throw bad(method, `unknown option(s) ${unknown.join(', ')}; the options are ${allowed.join(', ')}`)
  return options
}

/** Checks an id option: the server's ids are UUIDs. */
function checkId(method: string, key: string, value: unknown): void {
  if (value !== undefined && !(typeof value === 'string' && UUID.test(value)))
    throw bad(method, `${key} must be an id (a UUID) (got ${show(value)})`)
}

/** The error of a bad option, before any request. */
function bad(method: string, message: string): SdkError {
  return new SdkError('BAD_REQUEST', `${method}: ${message}`)
}

/** A value as it appears in an error message (bounded: the value may be anything). */
function show(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value)
  return text.length > 80 ? `${text.slice(0, 77)}...` : text
}
