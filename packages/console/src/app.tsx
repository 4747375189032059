import { useCallback, useState } from 'react'
import { adminRoutes } from './admin/admin-routes.tsx'
import { doctorRoutes } from './doctor/doctor-routes.tsx'
import { patientRoutes } from './patient/patient-routes.tsx'
import type { ConsoleRole, ConsoleSession } from './session/console-session.ts'
import { SessionContext } from './session/session-context.tsx'
import { SignedOutConsole } from './session/signed-out-console.tsx'
import type { ConsoleRoute } from './shell/console-route.ts'
import { ConsoleShell } from './shell/console-shell.tsx'

/** The screens of each role; the first is the start screen. */
const ROUTES: Readonly<Record<ConsoleRole, readonly ConsoleRoute[]>> = {
  admin: adminRoutes,
  hcp: doctorRoutes,
  patient: patientRoutes,
}

/**
 * The console: the sign-in form until a session is open, then the role's screens. The session lives
 * in this page's memory only: a reload signs out (keys stay in the browser's IndexedDB).
 */
export function App() {
  const [session, setSession] = useState<ConsoleSession>()
  // Stable for the shell's failure reporter; disposing twice does nothing.
  const endSession = useCallback(() => {
    // One server session (the REST client uses the SDK's): disposing ends it and forgets the password,
    // so loops still running (a share, a paged load) fail instead of signing in again.
    void session?.api.dispose().catch(() => undefined)
  }, [session])
  if (!session) return <SignedOutConsole onSignedIn={setSession} />
  const signOut = () => {
    endSession()
    window.location.hash = ''
    setSession(undefined)
  }
  return (
    <SessionContext.Provider value={session}>
      <ConsoleShell
        session={session}
        routes={ROUTES[session.role]}
        onSignOut={signOut}
        onSessionEnded={endSession}
      />
    </SessionContext.Provider>
  )
}
