import {
  ENTITY_TYPES,
  type AccessLogEntryDto,
  type AccessLogPageDto,
  type AccessLogQueryDto,
  type AuditEntryDto,
  type AuditPageDto,
  type AuditQueryDto,
} from '@cairn/protocol'
import type { Caller } from '../auth/caller.ts'
import { assertCanReadEntityById } from '../access/access-policy.ts'
import {
  assertCanListAuditLog,
  assertCanReadAccessLogOf,
  assertCanReadAccessLogOfRecord,
} from '../access/audit-access.ts'
import { AppError } from '../http/app-error.ts'
import type { StoredAuditEntry } from '../storage/audit-store.ts'
import type { Storage } from '../storage/storage.ts'

/** Entries of a page when the query names no limit. */
export const DEFAULT_AUDIT_PAGE = 100

/** An admin's view of an entry: every column but the hashes (verification is `cairn audit verify`'s). */
function adminView(e: StoredAuditEntry): AuditEntryDto {
  const { prevHash: _p, hash: _h, seq, ...rest } = e
  return { seq: String(seq), ...rest }
}

/** A data owner's view of an entry about its record: who and what, never the request or address. */
function dataOwnerView(e: StoredAuditEntry): AccessLogEntryDto {
  return {
    seq: String(e.seq),
    at: e.at,
    action: e.action,
    ...(e.actorUserId !== undefined ? { actorUserId: e.actorUserId } : {}),
    ...(e.actorDataOwnerId !== undefined ? { actorDataOwnerId: e.actorDataOwnerId } : {}),
    entityType: e.entityType!,
    entityId: e.entityId!,
  }
}

/** A keyset page from `limit + 1` rows: the page, and where the next one starts when there is one. */
function page<T>(rows: StoredAuditEntry[], limit: number, view: (e: StoredAuditEntry) => T) {
  const kept = rows.slice(0, limit)
  return {
    rows: kept.map(view),
    ...(rows.length > limit ? { next: String(kept[kept.length - 1].seq) } : {}),
  }
}

/**
 * The rules of the access-log queries (docs/audit.md): admins list the whole log by actor, record,
 * action and time range; a data owner lists the entries about the records it holds, or about one of
 * them it may read. Who may is access/audit-access.ts's; entries come oldest first, in keyset pages.
 */
export class AuditService {
  constructor(private readonly storage: Storage) {}

  /** A page of the whole log for an admin (403 otherwise). */
  async list(caller: Caller, query: AuditQueryDto): Promise<AuditPageDto> {
    assertCanListAuditLog(caller)
    const limit = query.limit ?? DEFAULT_AUDIT_PAGE
    const { after, limit: _l, ...filters } = query
    const rows = await this.storage.audit.query(filters, after === undefined ? 0 : Number(after), limit + 1)
    return page(rows, limit, adminView)
  }

  /**
   * A page of the entries about the records `dataOwnerId` holds, for that data owner only (403
   * otherwise); with `entityId`, about that record, which the caller must be able to read (the 404 of
   * an unknown id otherwise).
   */
  async accessLog(caller: Caller, dataOwnerId: string, query: AccessLogQueryDto): Promise<AccessLogPageDto> {
    assertCanReadAccessLogOf(caller, dataOwnerId)
    if (query.entityId !== undefined)
      assertCanReadAccessLogOfRecord(query.entityId, await this.canRead(caller, query.entityId))
    const limit = query.limit ?? DEFAULT_AUDIT_PAGE
    const { after, limit: _l, ...filters } = query
    const rows = await this.storage.audit.accessLogOf(
      dataOwnerId,
      filters,
      after === undefined ? 0 : Number(after),
      limit + 1,
    )
    return page(rows, limit, dataOwnerView)
  }

  /** Whether the caller may read the encrypted entity `id`, whatever its type (access-policy's read rule). */
  private async canRead(caller: Caller, id: string): Promise<boolean> {
    for (const type of ENTITY_TYPES) {
      const found = await this.storage.getDocFor(type, id, caller.dataOwnerId!)
      if (!found || found.doc.deleted) continue
      try {
        assertCanReadEntityById(caller, type, id, found.isDelegate)
        return true
      } catch (error) {
        if (!(error instanceof AppError)) throw error
      }
    }
    return false
  }
}
