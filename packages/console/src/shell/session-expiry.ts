import { createContext, useContext } from 'react'

/**
 * Whether an error says the session is over: the server's 401 through the REST client (ConsoleError)
 * or the SDK (SdkError), both of which carry the HTTP status. A 403 is a refusal within a live
 * session, not an expiry.
 */
export function isSessionExpiry(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { status?: unknown }).status === 401
}

/**
 * Where screens report a failed call: the shell shows the "session expired" notice when it is a 401,
 * and the screen goes on showing its own alert for anything else. Outside a shell (tests, the sign-in
 * page) reports go nowhere.
 */
export const SessionExpiryContext = createContext<(e: unknown) => void>(() => undefined)

/** The shell's failure reporter (see SessionExpiryContext). */
export function useReportFailure(): (e: unknown) => void {
  return useContext(SessionExpiryContext)
}
