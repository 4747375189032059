/** The console's screen that accepts an invitation (a route of the signed-out console). */
export const ACCEPT_INVITATION_PATH = '/accept-invitation'

/**
 * The link an invitation email carries: the console's page, with the invitee's login and single-use
 * token in the URL's fragment, which browsers never send to a server (nor to a proxy's log). `token`
 * is what the SDK's message factory is given (a placeholder the server replaces by the real token).
 */
export function invitationLink(origin: string, login: string, token: string): string {
  return `${origin}/#${ACCEPT_INVITATION_PATH}?login=${encodeURIComponent(login)}&token=${token}`
}

/** The login and token of an invitation link's fragment (`location.hash`), if it is one. */
export function parseInvitationFragment(hash: string): { login: string; token: string } | undefined {
  const [path, query = ''] = hash.replace(/^#/, '').split('?')
  if (path !== ACCEPT_INVITATION_PATH) return undefined
  const params = new URLSearchParams(query)
  const login = params.get('login')
  const token = params.get('token')
  return login && token ? { login, token } : undefined
}
