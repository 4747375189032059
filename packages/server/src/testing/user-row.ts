import type { UserRow } from '../storage/storage.ts'

/**
 * A stored user row for storage tests: an active user with a login, an email and a password hash,
 * linked to no data owner, with `extra` fields on top.
 */
export function userRow(id: string, extra: Partial<UserRow> = {}): UserRow {
  return {
    id,
    rev: '1-u',
    login: `login-${id}`,
    email: `${id}@example.org`,
    mobilePhone: null,
    dataOwnerId: null,
    status: 'ACTIVE',
    passwordHash: '$scrypt$hash',
    doc: `{"id":"${id}"}`,
    created: 1_700_000_000_000,
    modified: 1_700_000_000_000,
    managedBy: null,
    deletionDate: null,
    ...extra,
  }
}
