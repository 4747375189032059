import type { Storage, UserRow } from '../storage/storage.ts'
import { looksLikeCode, type ValidationCodeHasher } from '../messaging/validation-code.ts'

/** Requests of one user a login tries its code against (the newest live ones). */
const MAX_CANDIDATES = 5

/**
 * A login whose password is a validation code (docs/messaging.md): the code sent to the user's email
 * or phone by a process start, validated since, logs in once. Only a secret shaped like a code (digits,
 * 6 to 12) is tried, against the newest validated, live requests whose recipient is the user's email or
 * mobile phone. Each try takes one of the request's attempts first (a wrong code counts as a wrong
 * validation would); the right code consumes the request in one conditional statement, so that of two
 * logins with one code exactly one opens a session.
 */
export class CodeLogin {
  constructor(
    private readonly storage: Storage,
    private readonly codes: ValidationCodeHasher,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when `secret` was a live code of `user`, now consumed by this login. */
  async consume(user: UserRow, secret: string): Promise<boolean> {
    if (!looksLikeCode(secret)) return false
    const recipients = [user.email, user.mobilePhone].filter((r): r is string => r !== null)
    if (recipients.length === 0) return false
    const now = this.now()
    const candidates = await this.storage.authProcesses.findLoginRequests(recipients, now, MAX_CANDIDATES)
    for (const candidate of candidates) {
      const taken = await this.storage.authProcesses.takeAttempt(candidate.requestId, now, {
        validated: true,
      })
      if (!taken || !this.codes.matches(taken.requestId, secret, taken.codeHash)) continue
      if (await this.storage.authProcesses.consume(taken.requestId, now)) return true
    }
    return false
  }
}
