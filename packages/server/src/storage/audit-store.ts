import type { AuditAction } from '@cairn/protocol'

/** One access-log entry as recorded (the store gives it its seq and hashes). Ids only, never content. */
export interface AuditRecord {
  /** Epoch ms of the access. */
  at: number
  action: AuditAction
  /** The user who acted (absent for a failed login that matched no account). */
  actorUserId?: string
  /** The data owner it acted as (absent for users that are none, such as admins). */
  actorDataOwnerId?: string
  /** Type of the record acted on (absent for logins). */
  entityType?: string
  entityId?: string
  /** The x-request-id of the request that did it. */
  requestId?: string
  /** The client address of that request. */
  clientAddress?: string
}

/** An entry as stored: its position in the chain and the hashes that link it to the one before. */
export interface StoredAuditEntry extends AuditRecord {
  seq: number
  /** Hash of the entry before (or of the anchor, or the genesis value). */
  prevHash: string
  /** SHA-256 (hex) of `prevHash` and every column of this entry (audit/audit-chain.ts). */
  hash: string
}

/** A position in the chain: a seq and the hash of the entry at it. */
export interface AuditChainPoint {
  seq: number
  hash: string
}

/** Criteria of the admins' query; every one given must match. Times are `[from, to)`. */
export interface AuditFilters {
  actorUserId?: string
  actorDataOwnerId?: string
  entityId?: string
  entityType?: string
  action?: AuditAction
  from?: number
  to?: number
}

/** Criteria of a data owner's listing of the entries about the records it holds. */
export interface AccessLogFilters {
  entityId?: string
  action?: AuditAction
  from?: number
  to?: number
}

/**
 * The access log (tables `audit_log` and `audit_anchor`, migration 0014), part of the Storage contract
 * as `storage.audit`. Append-only through this interface: nothing here edits an entry, and only
 * `prune` deletes, from the oldest end, moving the anchor in the same transaction so that the chain
 * still verifies. Several server instances on one database extend one chain: appends are serialised
 * (PostgreSQL: an advisory transaction lock; SQLite: its single writer).
 */
export interface AuditStore {
  /**
   * Appends `entries` in order, in one transaction: each gets the next seq and its hash chained from
   * the entry before. Returns the new head (the anchor when `entries` is empty and the log too).
   */
  append(entries: readonly AuditRecord[]): Promise<AuditChainPoint>
  /** Up to `limit` entries matching `filters` with a seq above `after`, in seq order. */
  query(filters: AuditFilters, after: number, limit: number): Promise<StoredAuditEntry[]>
  /**
   * Up to `limit` entries with a seq above `after`, in seq order, about records `dataOwnerId` holds
   * now: whose id is in the access index of an encrypted entity table (patient, data sample,
   * healthcare element, notification) for that data owner.
   */
  accessLogOf(
    dataOwnerId: string,
    filters: AccessLogFilters,
    after: number,
    limit: number,
  ): Promise<StoredAuditEntry[]>
  /** Up to `limit` entries with a seq of at least `fromSeq`, in seq order (verification). */
  scan(fromSeq: number, limit: number): Promise<StoredAuditEntry[]>
  /** Where the chain starts: the genesis point (seq 0), or the last entry retention deleted. */
  anchor(): Promise<AuditChainPoint>
  /** The newest entry, or the anchor when the log is empty. */
  head(): Promise<AuditChainPoint>
  /**
   * Deletes the oldest entries recorded before `beforeAt` (epoch ms), as a prefix of the chain: from
   * the oldest up to the first entry at or after `beforeAt`, which stays with everything after it. The
   * anchor moves to the last deleted entry in the same transaction. Returns how many were deleted.
   */
  prune(beforeAt: number): Promise<number>
}
