import { MedTechApiBuilder, SimpleMedTechCryptoStrategies, type User } from '@cairn/sdk'
import { ConsoleError } from './console-error.ts'
import type { ConsoleRole, ConsoleSession } from './console-session.ts'
import { loginRest } from './rest-client.ts'

/** What the sign-in form collects. */
export interface Credentials {
  username: string
  /** A password, or the single-use token of an invitation. */
  password: string
}

/** The console's role for a user: by the data owner it acts as, else admin by role. */
export function roleOf(user: User): ConsoleRole | undefined {
  if (user.healthcarePartyId) return 'hcp'
  if (user.patientId) return 'patient'
  if (user.roles.has('ADMIN')) return 'admin'
  return undefined
}

/**
 * Signs in: the server's password login for the administration routes, and a MedTechApi built in
 * this page (keys in IndexedDB, records decrypted here). Rejects with the server's or the SDK's
 * message (wrong password, locked account, key problems), or when the account is a medical device's,
 * which has nothing to do in the console.
 */
export async function openSession(origin: string, credentials: Credentials): Promise<ConsoleSession> {
  const rest = await loginRest(origin, credentials.username, credentials.password)
  const api = await new MedTechApiBuilder()
    .withICureBaseUrl(origin)
    .withUserName(credentials.username)
    .withPassword(credentials.password)
    .withCryptoStrategies(new SimpleMedTechCryptoStrategies())
    .build()
  const user = await api.userApi.getLoggedUser()
  const role = roleOf(user)
  if (!role) {
    await rest.logout()
    throw new ConsoleError(
      'This account is neither a healthcare professional, a patient nor an administrator.',
    )
  }
  return {
    role,
    user,
    api,
    dataOwnerId: user.healthcarePartyId ?? user.patientId,
    rest,
  }
}
