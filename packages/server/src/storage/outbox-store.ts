/** Delivery state of an outbox message. */
export type OutboxMessageStatus = 'pending' | 'sent' | 'failed'

/** Channel of an outbox message. */
export type OutboxChannel = 'email' | 'sms'

/** A message of the outbox as stored (table `outbox_message`, migration 0011). */
export interface OutboxRecord {
  id: string
  channel: OutboxChannel
  /** Email address or phone number, in clear (admins list it; logs mask it). */
  recipient: string
  /** What it is (`code`, `invitation`, `message`), for admins and logs. */
  kind: string
  /** The content, sealed (see messaging/sealed-payload.ts); undefined once sent (unless kept). */
  payload?: string
  status: OutboxMessageStatus
  /** Sends started so far (counted when a worker claims the message). */
  attempts: number
  /** Epoch ms from which a pending message may be claimed. */
  nextAttempt: number
  /** Epoch ms until which a worker holds the message, if one does (or did, and crashed). */
  leaseUntil?: number
  /** Why the last attempt failed (never content; the recipient masked). */
  lastError?: string
  /** Epoch ms it was queued. */
  created: number
  /** Epoch ms it was sent. */
  sent?: number
}

/** A message as inserted: pending (to be sent by a worker) or already sent (dev outbox, no transport). */
export interface NewOutboxMessage {
  id: string
  channel: OutboxChannel
  recipient: string
  kind: string
  payload: string
  status: 'pending' | 'sent'
  /** Epoch ms: `created`, `next_attempt` and, for a sent one, `sent`. */
  now: number
}

/** A message a worker claimed: its row, and the lease that proves the claim when the outcome is recorded. */
export interface ClaimedOutboxMessage extends OutboxRecord {
  /** The lease of this claim; the marks below apply only while the message still carries it. */
  leaseToken: string
  leaseUntil: number
}

/**
 * The persistent outbox (table `outbox_message`), part of the Storage contract as `storage.outbox`.
 * Every method is one statement, committed when it resolves. Claiming is safe with several server
 * instances on one database: a message is leased to one claimer at a time, and a lease that ends
 * without an outcome (the instance crashed) lets another claim it again.
 */
export interface OutboxStore {
  /** Stores a new message (committed when this resolves). */
  insert(message: NewOutboxMessage): Promise<void>
  /**
   * Leases up to `limit` pending messages due at `now` and not leased (or whose lease ended) until
   * `now + leaseMs`, counting one more attempt for each; the earliest due first. Two concurrent
   * claimers never get the same message.
   */
  claim(now: number, leaseMs: number, limit: number): Promise<ClaimedOutboxMessage[]>
  /**
   * Marks a claimed message sent at `now`, deleting its content unless `keepPayload` (dev outbox).
   * False when the claim was lost (its lease ended and another claimer took the message).
   */
  markSent(id: string, leaseToken: string, now: number, keepPayload: boolean): Promise<boolean>
  /** Releases a claimed message for another attempt from `nextAttempt`, recording `error`; false if the claim was lost. */
  markRetry(id: string, leaseToken: string, nextAttempt: number, error: string): Promise<boolean>
  /**
   * Marks a claimed message failed for good, recording `error` and deleting its content unless
   * `keepPayload`; false if the claim was lost.
   */
  markFailed(id: string, leaseToken: string, error: string, keepPayload: boolean): Promise<boolean>
  /** Epoch ms at which the next pending message becomes claimable (a due time or a lease end), if any. */
  nextDue(): Promise<number | undefined>
  /** The message last queued to `recipient` on `channel`, with its payload if kept. */
  last(channel: OutboxChannel, recipient: string): Promise<OutboxRecord | undefined>
  /** Messages newest first, of one status if given, at most `limit`. */
  list(query: { status?: OutboxMessageStatus; limit: number }): Promise<OutboxRecord[]>
  /** One message by id (tests, diagnostics). */
  get(id: string): Promise<OutboxRecord | undefined>
}
