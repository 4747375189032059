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
 * Refuses an account action (`what`, e.g. "Changing the password") unless the caller's session proved a credential
 * recently (Caller.recentAuthUntil, set by AuthService from the configured window):
 * REAUTHENTICATION_REQUIRED (403) otherwise, which tells the client to log in again and retry.
 */
export function assertRecentAuthentication(caller: Caller, what: string, now: number = Date.now()): void {
  if (caller.recentAuthUntil !== undefined && now <= caller.recentAuthUntil) return
  throw new AppError(
    'REAUTHENTICATION_REQUIRED',
    `${what} needs a recent login: log in again with the password, then retry`,
  )
}
