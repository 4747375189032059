/**
 * The storage contract of the server. One implementation (Kysely) serves both dialects: embedded
 * SQLite (better-sqlite3) and PostgreSQL (pg). Services never see SQL; they hand over documents as
 * JSON text plus the index values to keep in the same transaction.
 */

import type { IndexKind } from '@cairn/protocol'
import type { IndexQuery, PageOrder } from './index-query.ts'
import type { DocTable } from './storage-tables.ts'
import type { PoolStats } from './storage-backend.ts'
import type { AttachmentChunkStorage } from './attachment-chunk-storage.ts'
import type { CodingStore } from './coding-store.ts'
import type { RecoveryKeyStore } from './recovery-key-store.ts'
import type { OutboxStore } from './outbox-store.ts'
import type { AuthProcessStore } from './auth-process-store.ts'
import type { EventLogStore, RealtimeTicketStore } from './event-log-store.ts'
import type { AuditStore } from './audit-store.ts'
import type { InstanceStore } from './instance-store.ts'

export type { DocTable } from './storage-tables.ts'
export type { PoolStats } from './storage-backend.ts'

/** A stored document: its JSON text is returned as stored, so reads need no re-serialisation. */
export interface StoredDoc {
  id: string
  rev: string
  /** JSON text of the document (includes id and rev). */
  doc: string
  created: number
  modified: number
  deleted: boolean
}

/**
 * Index values of a document, rewritten with it in one transaction: one list per index kind of its
 * table (see storage-tables.ts), plus the ordered pair of an exchange key.
 */
export type DocIndexes = { readonly [K in IndexKind]?: readonly string[] } & {
  /** The document's sort value (e.g. a date as YYYYMMDDhhmmss), stored with each of its terms. */
  readonly sortValue?: number
  readonly delegator?: string
  readonly delegate?: string
}

/** A document and whether a given data owner is one of its delegates. */
export interface AccessibleDoc {
  doc: StoredDoc
  isDelegate: boolean
}

/** One keyset page of documents and the number of documents matching in all. */
export interface DocPage {
  docs: StoredDoc[]
  total: number
}

/** One document to insert or update. */
export interface DocWrite {
  id: string
  /** The new rev. */
  rev: string
  /** For updates: the rev the caller read; the update applies only if it is still current. */
  expectedRev?: string
  doc: string
  created: number
  modified: number
  deleted?: boolean
  indexes: DocIndexes
}

/** A user row: login identifiers are unique; `doc` is the JSON of the public user (no hashes). */
export interface UserRow {
  id: string
  rev: string
  login: string
  email: string | null
  mobilePhone: string | null
  dataOwnerId: string | null
  status: 'ACTIVE' | 'DISABLED'
  passwordHash: string | null
  doc: string
  created: number
  modified: number
  /** Data owner id of the healthcare professional that created the user and manages it (null: admin-made). */
  managedBy: string | null
  /** Epoch ms of the deletion; a deleted user is a tombstone without identifiers, data owner or password. */
  deletionDate: number | null
}

/** One login session: refresh tokens rotate within it; revoking it ends its access tokens too. */
export interface SessionRow {
  id: string
  userId: string
  created: number
  /** When the user last proved a credential (password or long-lived token) in this session. */
  authTime: number
  /** The long-lived token the session was opened with, if any. */
  tokenId: string | null
  /** Generation of the refresh token valid now. */
  generation: number
  /** Epoch ms after which the session cannot be refreshed. */
  expires: number
  /** For a session opened with a long-lived token: when the token expires, which no refresh passes. */
  notAfter: number | null
  /** Epoch ms of the revocation, null while active. */
  revoked: number | null
}

/** Which sessions to revoke: all of a user (optionally but one), one session, or those of a token. */
export interface SessionSelector {
  userId: string
  sessionId?: string
  exceptSessionId?: string
  tokenId?: string
}

/** The login count of one key: decided failures, and attempts whose password is being checked. */
export interface LoginFailures {
  failures: number
  /** Epoch ms of the last failure (0: none yet). */
  lastFailure: number
  /** Attempts counted and not decided yet. */
  pending: number
  /** Epoch ms of the latest pending attempt (a crashed login's attempt stops counting after a while). */
  pendingSince: number
}

/** What a page of users selects (every criterion given applies); deleted users never match. */
export interface UserQuery {
  /** Only these user ids. */
  ids?: readonly string[]
  /** Only the user acting as this data owner. */
  dataOwnerId?: string
  /** Only users every one of these queries selects. */
  all?: readonly UserQuery[]
  /** Only users at least one of these queries selects (none given: nobody). */
  any?: readonly UserQuery[]
  /** Only users this query does not select. */
  not?: UserQuery
}

/** One keyset page of users and the number of users matching in all. */
export interface UserPage {
  users: UserRow[]
  total: number
}

/** Options of Storage.updateUser. */
export interface UserUpdateOptions {
  /** Also delete every long-lived token of the user, in the same transaction (password change, deletion). */
  deleteTokens?: boolean
}

/** A long-lived authentication token: only its hash is stored. */
export interface UserTokenRow {
  userId: string
  tokenId: string
  hash: string
  created: number
  /** Validity in seconds from `created`. */
  validity: number
  /**
   * `invitation`: a single-use token minted by an invitation (consumed by the login that uses it);
   * absent (or `token`): an ordinary long-lived token.
   */
  kind?: 'token' | 'invitation'
}

/**
 * Thrown when a write conflicts: an insert of an existing id, or an update whose expected rev is not
 * the current one (or whose document does not exist). Nothing of the batch was written.
 */
export class StorageConflict extends Error {
  constructor(
    readonly ids: readonly string[],
    readonly reason: 'exists' | 'stale' | 'missing',
  ) {
    super(`storage conflict (${reason}) on ${ids.join(', ')}`)
    this.name = 'StorageConflict'
  }
}

/** A match request selects more ids than the caller may receive at once. */
export class TooManyMatches extends Error {
  constructor(readonly max: number) {
    super(`more than ${max} matches`)
    this.name = 'TooManyMatches'
  }
}

/** A value-ordered page starts at a document that no longer matches (deleted since the previous page). */
export class StaleKeyset extends Error {
  constructor(readonly startId: string) {
    super(`document ${startId} no longer matches`)
    this.name = 'StaleKeyset'
  }
}

/** The storage contract; both dialects pass the same contract tests (storage.contract.test.ts). */
export interface Storage {
  readonly dialect: 'sqlite' | 'postgres'
  /** Codings (public reference codes) and their label-word index: see coding-store.ts. */
  readonly codings: CodingStore
  /** Connects and runs pending migrations. */
  init(): Promise<void>
  /** Closes connections; the instance is unusable afterwards. */
  close(): Promise<void>
  /** Connection use right now (open, idle, waiting), for metrics. */
  poolStats(): PoolStats
  /**
   * Proves that the database accepts writes now: commits a heartbeat row (and, on SQLite, checks the
   * free space of the data directory). Throws the driver's error otherwise, for /ready.
   */
  checkWritable(): Promise<void>

  getDoc(table: DocTable, id: string): Promise<StoredDoc | undefined>
  /**
   * One document by id, and whether `accessor` is among its delegates (access index), in one query:
   * the read path checks access without parsing the document. Tables with an access index only.
   */
  getDocFor(table: DocTable, id: string, accessor: string): Promise<AccessibleDoc | undefined>
  /** Documents among `ids` that exist, in no particular order. */
  getDocs(table: DocTable, ids: readonly string[]): Promise<StoredDoc[]>
  /** Inserts every write or none; an existing id -> StorageConflict('exists'). */
  insertDocs(table: DocTable, writes: readonly DocWrite[]): Promise<void>
  /** Updates every write or none, each only if its current rev equals `expectedRev`; else StorageConflict('stale' | 'missing'). */
  updateDocs(table: DocTable, writes: readonly DocWrite[]): Promise<void>
  /**
   * Keyset page, in `order` (default: by id), of the non-deleted documents that `query` selects, among
   * those `accessor` can access (access index) when an accessor is given (tables without an access
   * index are searched without one: directories): at most `limit` documents from `startId`
   * (inclusive), and the count of every match. A value-ordered page whose start document no longer
   * matches -> StaleKeyset.
   */
  findPage(
    table: DocTable,
    accessor: string | undefined,
    query: IndexQuery,
    startId: string | undefined,
    limit: number,
    order?: PageOrder,
  ): Promise<DocPage>
  /** Ids of every document `query` selects (as findPage), in `order`; more than `max` -> TooManyMatches. */
  matchIds(
    table: DocTable,
    accessor: string | undefined,
    query: IndexQuery,
    max: number,
    order?: PageOrder,
  ): Promise<string[]>
  /** Exchange key records of the ordered pair, oldest first. */
  findExchangeKeys(delegator: string, delegate: string): Promise<StoredDoc[]>
  /**
   * The data owners `dataOwnerId` shares non-deleted exchange keys with, in either direction (itself
   * excepted), with the direction(s), in id order.
   */
  exchangeKeyCounterparts(
    dataOwnerId: string,
  ): Promise<{ dataOwnerId: string; outgoing: boolean; incoming: boolean }[]>
  /** Which of `ids` are the ids of (non-deleted or deleted) documents of `table`. */
  existingIds(table: DocTable, ids: readonly string[]): Promise<string[]>

  /** One user by id, deleted (a tombstone, `deletionDate` set) or not. */
  getUser(id: string): Promise<UserRow | undefined>
  /** Finds a non-deleted user by login, email or mobile phone (exact match). */
  findUserByIdentifier(identifier: string): Promise<UserRow | undefined>
  /** The non-deleted user whose email column is `email` (emails are stored lower-cased). */
  findUserByEmail(email: string): Promise<UserRow | undefined>
  findUsersByDataOwner(dataOwnerId: string): Promise<UserRow[]>
  /**
   * Keyset page, ordered by id, of the non-deleted users that `query` selects: at most `limit` users
   * from `startId` (inclusive), and the count of every match.
   */
  findUsersPage(query: UserQuery, startId: string | undefined, limit: number): Promise<UserPage>
  countUsers(): Promise<number>
  /** Inserts a user; a taken id, login, email or phone -> StorageConflict('exists'). */
  insertUser(row: UserRow): Promise<void>
  /** Updates a user if its rev is `expectedRev`; else StorageConflict. A taken login/email/phone -> StorageConflict('exists'). */
  updateUser(row: UserRow, expectedRev: string, options?: UserUpdateOptions): Promise<void>
  /**
   * Inserts a healthcare professional, device or patient document (with its data-owner id and index
   * rows, as insertDocs does) and its user in one transaction: both or neither. A taken document id -> StorageConflict('exists')
   * naming the document; a taken user id, identifier or data owner -> StorageConflict('exists') naming
   * the user.
   */
  insertDataOwnerWithUser(
    table: 'healthcareProfessional' | 'medicalDevice' | 'patient',
    write: DocWrite,
    user: UserRow,
  ): Promise<void>

  insertUserToken(row: UserTokenRow): Promise<void>
  getUserToken(userId: string, tokenId: string): Promise<UserTokenRow | undefined>
  /** Every long-lived token of a user, oldest first. */
  findUserTokens(userId: string): Promise<UserTokenRow[]>
  /** Deletes tokens of a user (those of `tokenIds`, or all); returns how many were deleted. */
  deleteUserTokens(userId: string, tokenIds?: readonly string[]): Promise<number>
  /** Stores a new session. */
  insertSession(row: SessionRow): Promise<void>
  getSession(id: string): Promise<SessionRow | undefined>
  /**
   * Moves an active, unexpired session from refresh generation `from` to `from + 1` and pushes its
   * expiry to `expires`; false if the session is not at that generation any more (a reused refresh
   * token), revoked or expired.
   */
  rotateSession(id: string, from: number, now: number, expires: number): Promise<boolean>
  /** Revokes the active sessions `selector` designates; returns their ids. */
  revokeSessions(selector: SessionSelector, now: number): Promise<string[]>
  /** Deletes sessions that expired or were revoked before `before` (housekeeping). */
  pruneSessions(before: number): Promise<void>

  /**
   * Sets the count of `key` to `next` only if it is still exactly `expected` (undefined: no row), in
   * one conditional statement; false when another login changed it first. The throttle moves every
   * count this way, so that parallel logins of one key are serialised on it.
   */
  compareAndSetLoginFailures(
    key: string,
    expected: LoginFailures | undefined,
    next: LoginFailures,
  ): Promise<boolean>
  /** Failures recorded for each of `keys` (keys without any are absent). */
  getLoginFailures(keys: readonly string[]): Promise<Map<string, LoginFailures>>
  /** Forgets the failures of `key` (after a successful login of that account). */
  clearLoginFailures(key: string): Promise<void>
  /**
   * Keys with failures (a count above zero) last counted since `since` (`tracked`), and how many of them hold at least `threshold`
   * failures (`overThreshold`), for the monitoring gauges.
   */
  loginFailureStats(since: number, threshold: number): Promise<{ tracked: number; overThreshold: number }>
  /** Deletes counts whose last failure and last pending attempt are older than `before`. */
  pruneLoginFailures(before: number): Promise<void>

  /** Stores `value` under `key` unless already set; returns the value in force (first writer wins). */
  setSettingIfAbsent(key: string, value: string): Promise<string>
  /** The value of a setting, undefined when it was never set. */
  getSetting(key: string): Promise<string | undefined>
  /**
   * Sets `key` to `next` only if its value is still `expected` (undefined: only if it is not set);
   * true when this call changed it. What instances sharing the database agree on goes through it.
   */
  compareAndSetSetting(key: string, expected: string | undefined, next: string): Promise<boolean>

  /** The rows of the database blob store of attachments (see attachment-chunk-storage.ts). */
  readonly attachments: AttachmentChunkStorage

  /** Data owners' recovery keys (see recovery-key-store.ts). */
  readonly recoveryKeys: RecoveryKeyStore

  /** The persistent outbox of emails and SMS (see outbox-store.ts). */
  readonly outbox: OutboxStore

  /** The message gateway's applications, processes and code requests (see auth-process-store.ts). */
  readonly authProcesses: AuthProcessStore

  /** The event log of realtime subscriptions (see event-log-store.ts). */
  readonly eventLog: EventLogStore

  /** Single-use tickets of realtime subscription sockets (see event-log-store.ts). */
  readonly realtimeTickets: RealtimeTicketStore

  /** The hash-chained access log (see audit-store.ts). */
  readonly audit: AuditStore

  /** The running server instances and their signing-secret fingerprints (see instance-store.ts). */
  readonly instances: InstanceStore
}
