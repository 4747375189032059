import type { UserDto } from '@cairn/protocol'
import type { ServerConfig } from '../config.ts'
import { withOperatorStorage } from '../storage/with-operator-storage.ts'
import { StorageConflict, type Storage } from '../storage/storage.ts'
import { hashSecret } from '../auth/password.ts'
import { generatePassword } from '../auth/generate-password.ts'
import { LoginThrottle } from '../auth/login-throttle.ts'
import { nextRev } from '../entities/shared/revision.ts'

/** What a password reset did. */
export interface PasswordResetResult {
  userId: string
  login: string
  /** The new password when it was generated here (to be shown once, never logged). */
  generatedPassword?: string
  /** Sessions that were still active and are now revoked. */
  sessionsRevoked: number
}

/** A concurrent change of the user (by a running server) is retried this many times. */
const ATTEMPTS = 3

/**
 * Recovers an account, typically the admin whose generated password was lost: with direct access to
 * the database of `config` (the same DATABASE_URL / CAIRN_DATA_DIR as `cairn serve`, which may be
 * running), sets a new password (`password`, or a generated one returned once), sets the account
 * ACTIVE again, deletes its long-lived tokens and revokes every session of the user, so that whoever
 * held the old password, a stolen token or a token minted with them is out (as a password change
 * through the API does). Throws when no active user has that login.
 */
export async function resetPassword(
  config: ServerConfig,
  login: string,
  password?: string,
): Promise<PasswordResetResult> {
  return withOperatorStorage(config, async (storage) => {
    const secret = password ?? generatePassword()
    const userId = await setPassword(storage, login, await hashSecret(secret))
    const revoked = await storage.revokeSessions({ userId }, Date.now())
    // The failed logins that may have led here (someone guessing, or the owner trying old passwords)
    // would otherwise keep the recovered account in back-off.
    await storage.clearLoginFailures(LoginThrottle.userKey(userId))
    return {
      userId,
      login,
      generatedPassword: password === undefined ? secret : undefined,
      sessionsRevoked: revoked.length,
    }
  })
}

/** Writes the new password hash and the ACTIVE status over the current revision; the user's id. */
async function setPassword(storage: Storage, login: string, passwordHash: string): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    // Logins are stored lower-cased (matched case-insensitively); an email or phone works too.
    const row = await storage.findUserByIdentifier(login.toLowerCase())
    if (!row) throw new Error(`no user has the login "${login}"`)
    const user = JSON.parse(row.doc) as UserDto
    const next: UserDto = { ...user, status: 'ACTIVE', authenticationTokens: {}, rev: undefined }
    const rev = nextRev(row.rev, JSON.stringify(next))
    try {
      await storage.updateUser(
        {
          ...row,
          rev,
          status: 'ACTIVE',
          passwordHash,
          doc: JSON.stringify({ ...next, rev }),
          modified: Date.now(),
        },
        row.rev,
        { deleteTokens: true },
      )
      return row.id
    } catch (e) {
      // The server changed the user between our read and our write: read again.
      if (!(e instanceof StorageConflict) || attempt >= ATTEMPTS) throw e
    }
  }
}
