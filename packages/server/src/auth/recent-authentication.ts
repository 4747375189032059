import { AppError } from '../http/app-error.ts'
import type { Caller } from './caller.ts'

/**
 * How long after proving a credential (a login with the password or a long-lived token) a session
 * may change its own password or email, in ms (CAIRN_REAUTH_WINDOW_SECONDS): five minutes covers an
 * application that logs in and then saves the user (MedTech's `createOrModifyUser` right after a
 * login), while an access token stolen later cannot take the account over on its own.
 */
export const DEFAULT_REAUTHENTICATION_WINDOW_MS = 5 * 60_000

/**
 * Refuses an account action (`what`, e.g. "Changing the password") unless the caller's session proved
 * a credential recently (Caller.recentAuthUntil, set by AuthService from the configured window):
 * REAUTHENTICATION_REQUIRED (403) otherwise, which tells the client to log in again and retry.
 *
 * A session opened with a long-lived token is refused too, unless `tokenSessionAllowed`: a token is
 * a bounded credential (it expires), and must not become a permanent one by setting the password,
 * the email or another account's credentials. What such a session may do is decided by the caller:
 * set the first password of an account that has none (an invitation), mint tokens that expire no
 * later than its own.
 */
export function assertRecentAuthentication(
  caller: Caller,
  what: string,
  options: { tokenSessionAllowed?: boolean } = {},
  now: number = Date.now(),
): void {
  if (caller.credentialNotAfter !== undefined && !options.tokenSessionAllowed)
    throw new AppError(
      'REAUTHENTICATION_REQUIRED',
      `${what} needs a login with the password: this session was opened with a long-lived token`,
    )
  if (caller.recentAuthUntil !== undefined && now <= caller.recentAuthUntil) return
  throw new AppError(
    'REAUTHENTICATION_REQUIRED',
    `${what} needs a recent login: log in again with the password, then retry`,
  )
}
