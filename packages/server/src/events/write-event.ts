import type { EntityType } from '@cairn/protocol'

/** What a committed write did. `share` is a modification that only added data owners with access. */
export type WriteEventKind = 'create' | 'modify' | 'share' | 'delete' | 'login' | 'user-change'

/** Kinds of records a write event is about. */
export type WriteEventSubject =
  EntityType | 'healthcareProfessional' | 'medicalDevice' | 'exchangeKey' | 'user' | 'coding'

/** Who did it: the user, and the data owner it acted as (if any). */
export interface WriteEventActor {
  readonly userId: string
  readonly dataOwnerId?: string
}

/**
 * One committed write, emitted after its transaction committed: realtime subscriptions, the access
 * log and notifications hang on these. It carries ids and data-owner ids only, never content.
 */
export interface WriteEvent {
  readonly kind: WriteEventKind
  readonly entityType: WriteEventSubject
  /** Id of the record written (for logins and user changes: the user id). */
  readonly id: string
  /** Rev of the record after the write, when it has one. */
  readonly rev?: string
  readonly actor: WriteEventActor
  /** The request that caused the write (the x-request-id of its answer). */
  readonly requestId: string
  /**
   * Data owners with access after the write (encrypted entities); for a share, the new ones are in
   * `added`; for a delete, those that had access until then.
   */
  readonly delegates: readonly string[]
  /** For `share`: the data owners that gained access with this write. */
  readonly added?: readonly string[]
  /** Epoch milliseconds of the commit. */
  readonly at: number
  /** For `user-change`: whether the user was created, modified or deleted (realtime's event type). */
  readonly change?: 'create' | 'modify' | 'delete'
}
