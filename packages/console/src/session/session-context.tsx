import { createContext, useContext } from 'react'
import type { ConsoleSession } from './console-session.ts'

/** The signed-in session, provided by the app once the sign-in succeeded. */
export const SessionContext = createContext<ConsoleSession | undefined>(undefined)

/** The current session; only screens shown after sign-in use it. */
export function useSession(): ConsoleSession {
  const session = useContext(SessionContext)
  if (!session) throw new Error('useSession() outside a signed-in console')
  return session
}
