import { parseInvitationFragment } from './invitation-link.ts'

/** The invitee's login and single-use token, from an invitation link. */
export interface Invitation {
  login: string
  token: string
}

let pending: Invitation | undefined
const listeners = new Set<(invitation: Invitation | undefined) => void>()

/**
 * Moves an invitation from the address bar into this page's memory: the token is a credential, so it
 * must not stay in the address bar, the history entry or an address copied by someone already signed
 * in. Called before the first render and on every hashchange (main.tsx), whatever the session.
 */
export function captureInvitationFromUrl(): void {
  const found = parseInvitationFragment(window.location.hash)
  if (!found) return
  window.history.replaceState(null, '', window.location.pathname + window.location.search)
  pending = found
  for (const listener of listeners) listener(found)
}

/** The invitation waiting for the accept screen, if a link brought one (kept until accepted or dropped). */
export function pendingInvitation(): Invitation | undefined {
  return pending
}

/** Drops the waiting invitation (accepted, or the person chose to sign in instead). */
export function forgetPendingInvitation(): void {
  pending = undefined
  for (const listener of listeners) listener(undefined)
}

/** Calls `listener` with each invitation captured (or dropped) from now on; returns the unsubscribe. */
export function watchPendingInvitation(listener: (invitation: Invitation | undefined) => void): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

/**
 * Keeps an invitation that is typed into the sign-in form instead of opened from its link (a login and
 * a single-use token): the accept screen then takes it, so that the token is spent once, by the
 * acceptance, never by a sign-in.
 */
export function holdInvitation(invitation: Invitation): void {
  pending = invitation
  for (const listener of listeners) listener(invitation)
}
