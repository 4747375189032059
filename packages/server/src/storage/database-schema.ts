import type { Generated } from 'kysely'
import type { ENTITY_DESCRIPTORS, EntityType } from '@cairn/protocol'

/**
 * Row types of the SQL schema as Kysely sees it (snake_case, as created by migrations.ts). Timestamps
 * are epoch milliseconds: BIGINT columns, read back as JS numbers on both dialects (the PostgreSQL
 * pool installs a BIGINT parser, better-sqlite3 returns numbers).
 */

/** A row of any document table. `deleted` is 0/1: SQLite has no boolean type. */
export interface DocRow {
  id: string
  rev: string
  doc: string
  created: number
  modified: number
  deleted: number
}

/** The exchange key table adds the ordered pair of data owners it links. */
export interface ExchangeKeyRow extends DocRow {
  delegator: string | null
  delegate: string | null
}

/** Access index: one row per data owner that can read the entity. */
export interface AccessRow {
  data_owner_id: string
  entity_id: string
}

/**
 * Term index: one row per search term of the entity (secret ids of its parent patient, codes, labels,
 * identifiers...), with the entity's sort value (a date) so that a term and a date range are one range.
 */
export interface TermRow {
  term: string
  value: number
  entity_id: string
}

/** Name index: one row per suffix of each normalised name of the entity (substring search by prefix). */
export interface NameRow {
  name: string
  entity_id: string
}

/** The users table; login identifiers are unique columns. */
export interface UsersRow {
  id: string
  rev: string
  login: string
  email: string | null
  mobile_phone: string | null
  data_owner_id: string | null
  status: string
  password_hash: string | null
  doc: string
  created: number
  modified: number
  /** Data owner id of the healthcare professional that created and manages the user. */
  managed_by: string | null
  /** Set when the user was deleted (tombstone: no identifiers, no data owner, no password). */
  deletion_date: number | null
}

/** Long-lived token hashes of users. */
export interface UserTokensRow {
  user_id: string
  token_id: string
  hash: string
  created: number
  validity: number
  /** `token` (long-lived) or `invitation` (single use; migration 0012). */
  kind: Generated<string>
}

/** One login session (see auth/session-service.ts). */
export interface SessionsRow {
  id: string
  user_id: string
  created: number
  auth_time: number
  token_id: string | null
  generation: number
  expires: number
  not_after: number | null
  revoked: number | null
}

/** Failed logins of one key (an account or a client address). */
export interface LoginFailuresRow {
  key: string
  failures: number
  last_failure: number
  pending: number
  pending_since: number
}

/** Every data owner id (patients, professionals, devices): one id names one data owner. */
export interface DataOwnerIdRow {
  id: string
}

/** Server-wide key/value settings (e.g. the generated JWT secret). */
export interface SettingsRow {
  key: string
  value: string
}

/**
 * One upload of an attachment (migration 0007): invisible to reads until `committed` is 1, when it
 * becomes the attachment of its data sample and document id (replacing the previous one).
 */
export interface AttachmentBlobRow {
  upload_id: string
  data_sample_id: string
  document_id: string
  /** Bytes stored, set at commit. */
  size: number
  /** Epoch ms of the start of the upload (interrupted ones are pruned after a while). */
  created: number
  /** 0 while uploading, 1 once complete. */
  committed: number
}

/** One piece of the bytes of an upload, in `seq` order. */
export interface AttachmentChunkRow {
  upload_id: string
  seq: number
  data: Uint8Array
}

/** A data owner's recovery key (migration 0009): ciphertext and the hash of the value that opens it. */
export interface RecoveryKeysRow {
  data_owner_id: string
  /** Hex SHA-256 of the value derived from the recovery code. */
  auth_hash: string
  /** Base64 of the recovery data, encrypted on the data owner's device. */
  blob: string
  /** JSON list of the fingerprints of the keys it covers. */
  fingerprints: string
  created: number
}

/** A running server instance (migration 0015); see storage/instance-store.ts. */
export interface ServerInstanceRow {
  id: string
  fingerprint: string
  /** Epoch ms of the database's clock when the instance last registered. */
  seen: number
}

/** A message of the outbox (migration 0011); see storage/outbox-store.ts. */
export interface OutboxMessageRow {
  id: string
  /** `email` or `sms`. */
  channel: string
  recipient: string
  kind: string
  /** The content, sealed; NULL once sent (unless the development outbox keeps it). */
  payload: string | null
  /** `pending`, `sent` or `failed`. */
  status: string
  attempts: number
  next_attempt: number
  /** Epoch ms until which a worker holds the message; NULL when none does. */
  lease_until: number | null
  /** Identifies the claim holding the lease; NULL when none does. */
  lease_token: string | null
  last_error: string | null
  created: number
  sent: number | null
}

/** An application of the message gateway (migration 0012). */
export interface AuthApplicationRow {
  spec_id: string
  name: string
  email_from: string | null
  /** `recaptcha`, `friendly-captcha` or `none`. */
  captcha: string
  captcha_secret: string | null
  captcha_site_key: string | null
  created: number
  modified: number
}

/** An authentication process of an application (migration 0012). */
export interface AuthProcessRow {
  id: string
  spec_id: string
  /** `email` or `sms`. */
  channel: string
  /** `patient` or `healthcareProfessional`. */
  kind: string
  responsible_hcp_id: string | null
  /** 0/1. */
  allow_registration: number
  subject: string
  template: string
  code_length: number
  /** Seconds. */
  code_lifetime: number
  max_attempts: number
  created: number
}

/** One start of an authentication process: the code's HMAC and its state (migration 0012). */
export interface AuthRequestRow {
  request_id: string
  spec_id: string
  process_id: string
  recipient: string
  code_hash: string
  expires: number
  attempts: Generated<number>
  max_attempts: number
  validated: number | null
  consumed: number | null
  first_name: string | null
  last_name: string | null
  created: number
  client_address: string | null
}

/** One committed write of a subscribable entity (migration 0013); see storage/event-log-store.ts. */
export interface EventLogRow {
  /** Position in the stream: PostgreSQL bigserial, SQLite INTEGER PRIMARY KEY AUTOINCREMENT. */
  seq: Generated<number>
  at: number
  kind: string
  entity_type: string
  entity_id: string
  rev: string | null
  /** JSON array text of the data owner ids with access (after the write; before it for a delete). */
  delegates: string
  actor_user_id: string
}

/** A single-use realtime ticket (migration 0013): only its hash is stored. */
export interface RealtimeTicketRow {
  hash: string
  user_id: string
  session_id: string
  /** Epoch ms after which the ticket is refused. */
  expires: number
  /** Epoch ms at which the access token that asked for the ticket expires. */
  not_after: number
}

/** One entry of the access log (migration 0014); see storage/audit-store.ts. */
export interface AuditLogRow {
  /** Assigned by the appender (last seq + 1), as the entry's hash covers it. */
  seq: number
  at: number
  action: string
  actor_user_id: string | null
  actor_data_owner_id: string | null
  entity_type: string | null
  entity_id: string | null
  request_id: string | null
  client_address: string | null
  prev_hash: string
  hash: string
}

/** Where the access log's chain starts (migration 0014): one row, id 1. */
export interface AuditAnchorRow {
  id: number
  seq: number
  hash: string
}

/** The whole schema, for `Kysely<Database>`. */
export interface Database {
  patient: DocRow
  data_sample: DocRow
  healthcare_element: DocRow
  notification: DocRow
  healthcare_professional: DocRow
  medical_device: DocRow
  exchange_key: ExchangeKeyRow
  patient_access: AccessRow
  data_sample_access: AccessRow
  healthcare_element_access: AccessRow
  notification_access: AccessRow
  patient_term: TermRow
  data_sample_term: TermRow
  healthcare_element_term: TermRow
  notification_term: TermRow
  healthcare_professional_term: TermRow
  patient_name: NameRow
  healthcare_professional_name: NameRow
  users: UsersRow
  user_tokens: UserTokensRow
  settings: SettingsRow
  data_owner_ids: DataOwnerIdRow
  sessions: SessionsRow
  login_failures: LoginFailuresRow
  attachment_blob: AttachmentBlobRow
  attachment_chunk: AttachmentChunkRow
  recovery_keys: RecoveryKeysRow
  outbox_message: OutboxMessageRow
  server_instance: ServerInstanceRow
  auth_application: AuthApplicationRow
  auth_process: AuthProcessRow
  auth_request: AuthRequestRow
  event_log: EventLogRow
  realtime_ticket: RealtimeTicketRow
  audit_log: AuditLogRow
  audit_anchor: AuditAnchorRow
}

type Descriptors = typeof ENTITY_DESCRIPTORS
/** SQL tables every entity descriptor implies: its document table and one table per index kind. */
type DescribedTables = {
  [T in EntityType]:
    Descriptors[T]['table'] | `${Descriptors[T]['table']}_${Descriptors[T]['indexes'][number]}`
}[EntityType]
type Undeclared = Exclude<DescribedTables, keyof Database>

/**
 * Compile-time check that `Database` declares every table an entity descriptor implies: a new
 * descriptor without its row types (and so, most likely, without its migration) fails the build here,
 * naming the missing tables.
 */
export const DATABASE_DECLARES_EVERY_ENTITY_TABLE: [Undeclared] extends [never]
  ? true
  : { missingTables: Undeclared } = true
