import { Type, type Static } from '@sinclair/typebox'
import { IdSchema } from './dto.ts'

/**
 * Wire shapes of the access log (docs/audit.md): an append-only, hash-chained record of who read,
 * created, modified, shared and deleted which record, and of every login and failed login. It holds
 * ids, actions and times, never content or keys. Admins query all of it; every data owner lists the
 * entries about the records it holds ("who read my record"), without the actors' addresses.
 */

/** What an entry records. `read` covers a get and every record returned by a search page. */
export const AUDIT_ACTIONS = ['read', 'create', 'modify', 'share', 'delete', 'login', 'loginFailed'] as const
export type AuditAction = (typeof AUDIT_ACTIONS)[number]

/** Most entries one page returns. */
export const MAX_AUDIT_PAGE = 1000

/** Position in the log (decimal digits of an entry's sequence number), for paging. */
const Seq = Type.String({ pattern: '^[0-9]{1,19}$' })

/** Epoch milliseconds. */
const EpochMs = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })

/** One entry as an admin sees it. */
export const AuditEntrySchema = Type.Object({
  seq: Seq,
  at: EpochMs,
  action: Type.Union(AUDIT_ACTIONS.map((a) => Type.Literal(a))),
  /** The user who acted (absent for a failed login that matched no account). */
  actorUserId: Type.Optional(Type.String()),
  /** The data owner the user acted as (absent for admins and failed logins). */
  actorDataOwnerId: Type.Optional(Type.String()),
  /** Type of the record acted on (absent for logins). */
  entityType: Type.Optional(Type.String()),
  entityId: Type.Optional(Type.String()),
  /** The x-request-id of the request that did it. */
  requestId: Type.Optional(Type.String()),
  /** The client address of that request (as the trusted proxy reported it). */
  clientAddress: Type.Optional(Type.String()),
})
export type AuditEntryDto = Static<typeof AuditEntrySchema>

/** One entry as a data owner sees it about a record it holds: who and what, never where from. */
export const AccessLogEntrySchema = Type.Object({
  seq: Seq,
  at: EpochMs,
  action: Type.Union(AUDIT_ACTIONS.map((a) => Type.Literal(a))),
  actorUserId: Type.Optional(Type.String()),
  actorDataOwnerId: Type.Optional(Type.String()),
  entityType: Type.String(),
  entityId: Type.String(),
})
export type AccessLogEntryDto = Static<typeof AccessLogEntrySchema>

/** Paging and time range common to both queries: entries in `[from, to)`, oldest first, after `after`. */
const RangeQuery = {
  from: Type.Optional(EpochMs),
  to: Type.Optional(EpochMs),
  /** The `next` of the previous page. */
  after: Type.Optional(Seq),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_AUDIT_PAGE })),
}

/** Query of the admin listing: any combination of actor, record, action and time range. */
export const AuditQuerySchema = Type.Object(
  {
    ...RangeQuery,
    actorUserId: Type.Optional(IdSchema),
    actorDataOwnerId: Type.Optional(IdSchema),
    entityId: Type.Optional(IdSchema),
    entityType: Type.Optional(Type.String({ maxLength: 64 })),
    action: Type.Optional(Type.Union(AUDIT_ACTIONS.map((a) => Type.Literal(a)))),
  },
  { additionalProperties: false },
)
export type AuditQueryDto = Static<typeof AuditQuerySchema>

/** A page of the admin listing; `next` is absent on the last page. */
export const AuditPageSchema = Type.Object({
  rows: Type.Array(AuditEntrySchema, { maxItems: MAX_AUDIT_PAGE }),
  next: Type.Optional(Seq),
})
export type AuditPageDto = Static<typeof AuditPageSchema>

/** Path parameter of the data-owner listing: the caller itself (as the data owner it acts as). */
export const AccessLogParamsSchema = Type.Object({ dataOwnerId: IdSchema })

/** Query of the data-owner listing: one record (it must hold it) or all it holds, and a time range. */
export const AccessLogQuerySchema = Type.Object(
  {
    ...RangeQuery,
    entityId: Type.Optional(IdSchema),
    action: Type.Optional(Type.Union(AUDIT_ACTIONS.map((a) => Type.Literal(a)))),
  },
  { additionalProperties: false },
)
export type AccessLogQueryDto = Static<typeof AccessLogQuerySchema>

/** A page of the data-owner listing; `next` is absent on the last page. */
export const AccessLogPageSchema = Type.Object({
  rows: Type.Array(AccessLogEntrySchema, { maxItems: MAX_AUDIT_PAGE }),
  next: Type.Optional(Seq),
})
export type AccessLogPageDto = Static<typeof AccessLogPageSchema>
