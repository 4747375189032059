import type { RestClient } from './console-session.ts'

/** Shortest password the console accepts (the server takes any; a health record deserves more). */
export const MIN_PASSWORD_LENGTH = 12

/** Why a new password is refused here, or undefined when it is acceptable. */
export function passwordProblem(password: string, repeated: string): string | undefined {
  if (password.length < MIN_PASSWORD_LENGTH)
    return `Choose a password of at least ${MIN_PASSWORD_LENGTH} characters.`
  if (password !== repeated) return 'The two passwords are not the same.'
  return undefined
}

/**
 * Sets the first password of an invited user, in the session its invitation token opened over REST
 * (the server allows that one change to a session opened with a token, docs/authentication.md), before
 * any key is touched: the keys are opened afterwards by a normal sign-in with the password, which can
 * then make a first key pair, or ask to restore the keys of a data owner that already has some. The
 * server then ends the user's other sessions and deletes its long-lived tokens.
 */
export async function setFirstPassword(rest: RestClient, password: string): Promise<void> {
  const user = await rest.request<Record<string, unknown>>('GET', '/user/current')
  await rest.request('PUT', '/user', { ...user, password })
}
