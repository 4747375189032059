/** What a recorded write did (MedTech's CREATE, UPDATE and DELETE). */
export type EventLogKind = 'create' | 'modify' | 'delete'

/** One event as appended (the sequence number is given by the database). */
export interface NewEventLogRow {
  /** Epoch ms of the write's commit. */
  at: number
  kind: EventLogKind
  /** `patient`, `dataSample`, `healthcareElement`, `notification` or `user`. */
  entityType: string
  entityId: string
  rev?: string
  /** Data owners that may read the entity after the write (for a delete: those that could before). */
  delegates: readonly string[]
  /** The user whose request made the write. */
  actorUserId: string
}

/** One event as stored, with its position in the stream. */
export interface EventLogRecord extends NewEventLogRow {
  /** Position in the stream (the cursor clients see, as decimal digits). */
  seq: number
}

/**
 * The event log of realtime subscriptions (table `event_log`, migration 0013), part of the Storage
 * contract as `storage.eventLog`: the source of truth every server instance tails (docs/realtime.md).
 *
 * The one guarantee readers rely on: **sequence order is commit order**. A reader that has seen every
 * row up to `seq` never later finds a row with a smaller one, so `readAfter(last)` never skips an event.
 * On PostgreSQL sequence numbers are handed out before commit, so two concurrent appends could commit
 * in the other order; append therefore serialises appenders on an advisory transaction lock taken
 * before its insert (one appender per instance, batching, so the lock is cheap). SQLite has one
 * writer at a time anyway.
 */
export interface EventLogStore {
  /** Appends the rows in order, in one transaction; returns the seq of the last one (the new head). */
  append(rows: readonly NewEventLogRow[]): Promise<number>
  /** Up to `limit` rows with a seq above `seq`, in seq order (at most `upTo` when given). */
  readAfter(seq: number, limit: number, upTo?: number): Promise<EventLogRecord[]>
  /** Number of rows with `after < seq <= upTo`. */
  countBetween(after: number, upTo: number): Promise<number>
  /** The highest seq recorded (0 when nothing was ever recorded). */
  head(): Promise<number>
  /** The lowest seq still kept, undefined when the log is empty. */
  oldest(): Promise<number | undefined>
  /**
   * Deletes the oldest rows, those before the first row (in seq order) recorded at or after `beforeAt`
   * (epoch ms): only ever a prefix of the stream, never a hole that a replay could not see (a row
   * recorded with an older time after younger ones waits for them). Always keeps the newest row so
   * that the head survives a quiet period; returns how many were deleted.
   */
  prune(beforeAt: number): Promise<number>
}

/** A single-use ticket as stored (its hash), for one subscription socket. */
export interface RealtimeTicketRecord {
  /** SHA-256 (hex) of the ticket. */
  hash: string
  userId: string
  sessionId: string
  /** Epoch ms after which it is refused. */
  expires: number
  /** Epoch ms at which the access token that asked for it expires. */
  notAfter: number
}

/**
 * Realtime tickets (table `realtime_ticket`, migration 0013), part of the Storage contract as
 * `storage.realtimeTickets`: shared by every instance, so a ticket asked from one opens a socket on
 * another.
 */
export interface RealtimeTicketStore {
  /** Stores a ticket, and deletes the tickets that expired before `now`. */
  insert(ticket: RealtimeTicketRecord, now: number): Promise<void>
  /**
   * Deletes the ticket and returns it if it had not expired at `now`, in one statement: of two
   * concurrent uses of one ticket, one wins. Undefined for an unknown, used or expired ticket.
   */
  consume(hash: string, now: number): Promise<RealtimeTicketRecord | undefined>
}
