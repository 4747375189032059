import type { Selectable } from 'kysely'
import type { DocRow, SessionsRow, UsersRow, UserTokensRow } from './database-schema.ts'
import type { SessionRow, StoredDoc, UserRow, UserTokenRow } from './storage.ts'

/*
 * Conversions between the snake_case rows of the SQL schema and the contract's types. They also turn
 * the 0/1 `deleted` flag into a boolean, since SQLite has no boolean column type.
 */

/** Columns selected for a StoredDoc, so exchange_key's extra columns are not fetched. */
export const DOC_COLUMNS = ['id', 'rev', 'doc', 'created', 'modified', 'deleted'] as const

/** A document row as the contract's StoredDoc. */
export function toStoredDoc(row: DocRow): StoredDoc {
  return {
    id: row.id,
    rev: row.rev,
    doc: row.doc,
    created: row.created,
    modified: row.modified,
    deleted: row.deleted === 1,
  }
}

/** A users row as the contract's UserRow. */
export function toUserRow(row: UsersRow): UserRow {
  return {
    id: row.id,
    rev: row.rev,
    login: row.login,
    email: row.email,
    mobilePhone: row.mobile_phone,
    dataOwnerId: row.data_owner_id,
    // Only this class writes the column, always from a UserRow status.
    status: row.status as UserRow['status'],
    passwordHash: row.password_hash,
    doc: row.doc,
    created: row.created,
    modified: row.modified,
    managedBy: row.managed_by,
    deletionDate: row.deletion_date,
  }
}

/** A UserRow as a users row. */
export function fromUserRow(user: UserRow): UsersRow {
  return {
    id: user.id,
    rev: user.rev,
    login: user.login,
    email: user.email,
    mobile_phone: user.mobilePhone,
    data_owner_id: user.dataOwnerId,
    status: user.status,
    password_hash: user.passwordHash,
    doc: user.doc,
    created: user.created,
    modified: user.modified,
    managed_by: user.managedBy,
    deletion_date: user.deletionDate,
  }
}

/** A user_tokens row as the contract's UserTokenRow. */
export function toUserTokenRow(row: Selectable<UserTokensRow>): UserTokenRow {
  return {
    userId: row.user_id,
    tokenId: row.token_id,
    hash: row.hash,
    created: row.created,
    validity: row.validity,
    // Only an invitation says what it is: an ordinary token reads back as it was written.
    ...(row.kind === 'invitation' ? { kind: 'invitation' as const } : {}),
  }
}

/** A sessions row as the contract's SessionRow. */
export function toSessionRow(row: SessionsRow): SessionRow {
  return {
    id: row.id,
    userId: row.user_id,
    created: row.created,
    authTime: row.auth_time,
    tokenId: row.token_id,
    generation: row.generation,
    expires: row.expires,
    notAfter: row.not_after,
    revoked: row.revoked,
  }
}
