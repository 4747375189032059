import type { UserDto } from '@cairn/protocol'
import type { UserRow } from '../../storage/storage.ts'
import { nextRev } from '../shared/revision.ts'

/** The stored user document of a row (the public user: never any hash). */
export function parseUser(row: UserRow): UserDto {
  return JSON.parse(row.doc) as UserDto
}

/**
 * The row of a user document: identifier columns, the data owner it acts as, and the next rev.
 * `managedBy` is the professional that manages the user, kept from `previous` on updates.
 */
export function userRow(
  user: UserDto,
  previous: UserRow | undefined,
  passwordHash: string | null,
  now: number,
  managedBy: string | null = previous?.managedBy ?? null,
): UserRow {
  const body = { ...user, rev: undefined }
  const rev = nextRev(previous?.rev, JSON.stringify(body))
  const doc = JSON.stringify({ ...user, rev })
  return {
    id: user.id,
    rev,
    // Logins and emails are matched case-insensitively: the indexed columns hold them lower-cased
    // (so Jane@Example.org and jane@example.org are one login), the document keeps them as given.
    login: (user.login ?? user.id).toLowerCase(),
    email: user.email?.toLowerCase() ?? null,
    mobilePhone: user.mobilePhone ?? null,
    dataOwnerId: user.healthcarePartyId ?? user.patientId ?? user.deviceId ?? null,
    status: user.status ?? 'ACTIVE',
    passwordHash,
    managedBy,
    deletionDate: null,
    doc,
    created: user.created ?? now,
    modified: now,
  }
}

/**
 * The tombstone a deleted user leaves: its id, creation date and deletion date, nothing that
 * identifies a person, no password, no data owner (which may then get a new user). The login column
 * is NOT NULL and unique, so it holds `DELETED:<id>`: login columns hold identifiers lower-cased and
 * logins are looked up lower-cased, so an upper-case value can never match a login typed by anyone
 * (and lookups skip deleted users anyway).
 */
export function tombstoneRow(previous: UserRow, now: number): UserRow {
  const user = parseUser(previous)
  const body = {
    id: user.id,
    created: user.created,
    deletionDate: now,
    status: 'DISABLED' as const,
    roles: [],
    properties: [],
    sharingDataWith: {},
    authenticationTokens: {},
  }
  const rev = nextRev(previous.rev, JSON.stringify(body))
  return {
    id: previous.id,
    rev,
    login: `DELETED:${previous.id}`,
    email: null,
    mobilePhone: null,
    dataOwnerId: null,
    status: 'DISABLED',
    passwordHash: null,
    managedBy: previous.managedBy,
    deletionDate: now,
    doc: JSON.stringify({ ...body, rev }),
    created: previous.created,
    modified: now,
  }
}
