import type { AuditAction } from '@cairn/protocol'
import { marshalFields, type Marshalled, type ModelInit } from './model-utils.ts'

/**
 * One entry of the server's access log as an admin sees it (Cairn extension, docs/audit.md): a read,
 * creation, modification, share or deletion of a record, a login or a failed login. Ids, actions,
 * times, the request id and the client address; never content, keys, passwords or tokens.
 */
export class AuditEntry {
  /** Position of the entry in the log (decimal digits): entries are listed in this order. */
  declare seq: string
  /** When it happened (epoch ms, the server's clock). */
  declare at: number
  /** What was done. */
  declare action: AuditAction
  /** The user who acted (absent for a failed login that matched no account). */
  declare actorUserId?: string
  /** The data owner the user acted as (absent for admins and failed logins). */
  declare actorDataOwnerId?: string
  /** Type of the record acted on (absent for logins). */
  declare entityType?: string
  /** Id of the record acted on (absent for logins). */
  declare entityId?: string
  /** The `x-request-id` of the request that did it (to find it in the server's log). */
  declare requestId?: string
  /** The client address of that request, as the trusted proxy reported it. */
  declare clientAddress?: string

  /** Copies the given fields. */
  constructor(json: ModelInit<AuditEntry>) {
    Object.assign(this, json)
  }

  /** Plain JSON form of this entry. */
  marshal(): Marshalled<AuditEntry> {
    return marshalFields(this) as Marshalled<AuditEntry>
  }
}
