import '@mantine/core/styles.css'
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { MantineProvider } from '@mantine/core'
import { App } from './app.tsx'
import { captureInvitationFromUrl } from './session/pending-invitation.ts'

// An invitation token leaves the address bar before anything renders, and whenever a link is pasted
// into an open console, signed in or not (kept in memory for the accept screen).
captureInvitationFromUrl()
window.addEventListener('hashchange', captureInvitationFromUrl)

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <MantineProvider defaultColorScheme="auto">
      <App />
    </MantineProvider>
  </StrictMode>,
)
