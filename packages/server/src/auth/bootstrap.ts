import { randomUUID } from 'node:crypto'
import { ADMIN_ROLE, type UserDto } from '@cairn/protocol'
import type { Storage } from '../storage/storage.ts'
import { StorageConflict } from '../storage/storage.ts'
import { hashSecret } from './password.ts'
import { generatePassword } from './generate-password.ts'
import { nextRev } from '../entities/shared/revision.ts'

/** What bootstrap did: the credentials are returned only when it created the admin. */
export interface BootstrapResult {
  created: boolean
  login: string
  /** Only set when the password was generated here (to be shown once, never logged). */
  generatedPassword?: string
}

/**
 * On an empty database, creates the admin user, with the configured password or a generated one.
 * Several instances starting together race on the unique login: the loser sees the conflict and
 * does nothing.
 */
export async function bootstrapAdmin(
  storage: Storage,
  login: string,
  password?: string,
): Promise<BootstrapResult> {
  if ((await storage.countUsers()) > 0) return { created: false, login }
  const secret = password ?? generatePassword()
  const now = Date.now()
  const user: UserDto = {
    id: randomUUID(),
    created: now,
    name: 'Administrator',
    login,
    roles: [ADMIN_ROLE],
    properties: [],
    sharingDataWith: {},
    authenticationTokens: {},
    status: 'ACTIVE',
  }
  const rev = nextRev(undefined, JSON.stringify(user))
  try {
    await storage.insertUser({
      id: user.id,
      rev,
      login: login.toLowerCase(),
      email: null,
      mobilePhone: null,
      dataOwnerId: null,
      status: 'ACTIVE',
      passwordHash: await hashSecret(secret),
      managedBy: null,
      deletionDate: null,
      doc: JSON.stringify({ ...user, rev }),
      created: now,
      modified: now,
    })
  } catch (e) {
    if (e instanceof StorageConflict) return { created: false, login }
    throw e
  }
  return { created: true, login, generatedPassword: password ? undefined : secret }
}
