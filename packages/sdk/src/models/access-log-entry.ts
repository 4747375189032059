import type { AuditAction } from '@cairn/protocol'
import { marshalFields, type Marshalled, type ModelInit } from './model-utils.ts'

/**
 * One entry of a data owner's access log (Cairn extension, docs/audit.md): someone read, created,
 * modified, shared or deleted a record the data owner holds. It says who (user and data owner ids),
 * what (the record's type and id, the action) and when; never the record's content, and never where
 * the request came from (client addresses are for admins only, see {@link AuditEntry}).
 */
export class AccessLogEntry {
  /** Position of the entry in the log (decimal digits): entries are listed in this order. */
  declare seq: string
  /** When it happened (epoch ms, the server's clock). */
  declare at: number
  /** What was done: `read` (a get, or a record returned by a search), `create`, `modify`, `share`, `delete`. */
  declare action: AuditAction
  /** The user who did it. */
  declare actorUserId?: string
  /** The data owner that user acted as (absent for an admin). */
  declare actorDataOwnerId?: string
  /** Type of the record (e.g. `Patient`, `DataSample`). */
  declare entityType: string
  /** Id of the record. */
  declare entityId: string

  /** Copies the given fields. */
  constructor(json: ModelInit<AccessLogEntry>) {
    Object.assign(this, json)
  }

  /** Plain JSON form of this entry. */
  marshal(): Marshalled<AccessLogEntry> {
    return marshalFields(this) as Marshalled<AccessLogEntry>
  }
}
