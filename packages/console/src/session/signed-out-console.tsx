import { useEffect, useState } from 'react'
import { AcceptInvitationPage } from './accept-invitation-page.tsx'
import type { ConsoleCryptoStrategies } from './console-crypto-strategies.ts'
import type { ConsoleSession } from './console-session.ts'
import { LoginPage } from './login-page.tsx'
import { forgetPendingInvitation, pendingInvitation, watchPendingInvitation } from './pending-invitation.ts'
import { RecoveryKeyOffer } from './recovery-key-offer.tsx'

/**
 * What the console shows while nobody is signed in: the invitation screen when an invitation link
 * brought one (main.tsx takes it out of the address bar into memory, see pending-invitation.ts), the
 * sign-in screen otherwise. Both end with a session handed to `onSignedIn`, after the recovery key
 * offer when a key pair was made in this browser.
 */
export function SignedOutConsole({ onSignedIn }: { onSignedIn: (session: ConsoleSession) => void }) {
  const [invitation, setInvitation] = useState(pendingInvitation)
  const [offer, setOffer] = useState<{ session: ConsoleSession; strategies: ConsoleCryptoStrategies }>()

  // A link pasted into a console tab that is already open, or a token typed into the sign-in form.
  useEffect(() => watchPendingInvitation(setInvitation), [])

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
        // A new link replaces the screen (its token id part only: the secret part stays out of React).
        key={`${invitation.login} ${invitation.token.split('.')[0]}`}
        login={invitation.login}
        token={invitation.token}
        onAccepted={(session, strategies) => {
          forgetPendingInvitation()
          if (strategies.madeKeyPair) setOffer({ session, strategies })
          else onSignedIn(session)
        }}
        onCancel={forgetPendingInvitation}
      />
    )
  return <LoginPage onSignedIn={onSignedIn} />
}
