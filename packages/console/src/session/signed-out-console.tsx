import { useEffect, useState } from 'react'
import { AcceptInvitationPage } from './accept-invitation-page.tsx'
import type { ConsoleCryptoStrategies } from './console-crypto-strategies.ts'
import type { ConsoleSession } from './console-session.ts'
import { parseInvitationFragment } from './invitation-link.ts'
import { LoginPage } from './login-page.tsx'
import { RecoveryKeyOffer } from './recovery-key-offer.tsx'

/** The invitation in the URL's fragment, if the page was opened from an invitation link. */
function invitationInUrl(): { login: string; token: string } | undefined {
  return parseInvitationFragment(window.location.hash)
}

/**
 * Removes the invitation from the address bar and the history entry once read: the token is a
 * credential, and should not stay in the history or be copied with the address.
 */
function forgetInvitationUrl(): void {
  if (invitationInUrl())
    window.history.replaceState(null, '', window.location.pathname + window.location.search)
}

/**
 * What the console shows while nobody is signed in: the invitation screen when the page was opened
 * from an invitation link (`#/accept-invitation?login=..&token=..`), the sign-in screen otherwise.
 * Both end with a session handed to `onSignedIn`, after the recovery key offer when a key pair was
 * made in this browser.
 */
export function SignedOutConsole({ onSignedIn }: { onSignedIn: (session: ConsoleSession) => void }) {
  const [invitation, setInvitation] = useState(invitationInUrl)
  const [offer, setOffer] = useState<{ session: ConsoleSession; strategies: ConsoleCryptoStrategies }>()

  // A link pasted into a console tab that is already open.
  useEffect(() => {
    forgetInvitationUrl()
    const onHashChange = () => {
      const next = invitationInUrl()
      forgetInvitationUrl()
      if (next) setInvitation(next)
    }
    window.addEventListener('hashchange', onHashChange)
    return () => window.removeEventListener('hashchange', onHashChange)
  }, [])

  if (offer)
    return (
      <RecoveryKeyOffer
        session={offer.session}
        strategies={offer.strategies}
        onDone={() => onSignedIn(offer.session)}
      />
    )
  if (invitation)
    return (
      <AcceptInvitationPage
        login={invitation.login}
        token={invitation.token}
        onAccepted={(session, strategies) =>
          strategies.madeKeyPair ? setOffer({ session, strategies }) : onSignedIn(session)
        }
        onCancel={() => setInvitation(undefined)}
      />
    )
  return <LoginPage onSignedIn={onSignedIn} />
}
