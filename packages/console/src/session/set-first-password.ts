import { User, type MedTechApi } from '@cairn/sdk'

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
 * Sets the first password of an invited user, in the session its invitation opened (the server
 * allows that one change to a session opened with a token, docs/authentication.md). The server then
 * ends the user's other sessions and deletes its long-lived tokens, the 10-year token the invitation
 * login made included: the console never keeps that token (a bearer credential that opens the record
 * for ten years has no place in a browser profile), and the person signs in with the password.
 */
export async function setFirstPassword(api: MedTechApi, password: string): Promise<void> {
  const user = await api.userApi.getLoggedUser()
  await api.userApi.createOrModifyUser(new User({ ...user, passwordHash: password }))
}
