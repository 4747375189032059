import { MedTechApiBuilder, type User } from '@cairn/sdk'
import { ConsoleCryptoStrategies } from './console-crypto-strategies.ts'
import { ConsoleError } from './console-error.ts'
import type { ConsoleRole, ConsoleSession } from './console-session.ts'
import { restClientOf } from './rest-client.ts'

/** What the sign-in form collects. */
export interface Credentials {
  username: string
  /** A password, or the single-use token of an invitation. */
  password: string
}

/** How the keys are opened at sign-in (see ConsoleCryptoStrategies). */
export interface KeyOptions {
  /** The key decisions; default: ask before any lost-key path, no progress reports. */
  strategies?: ConsoleCryptoStrategies
  /** A recovery key the person typed: restores the keys missing in this browser before anything else. */
  recoveryCode?: string
}

/** The console's role for a user: by the data owner it acts as, else admin by role. */
export function roleOf(user: User): ConsoleRole | undefined {
  if (user.healthcarePartyId) return 'hcp'
  if (user.patientId) return 'patient'
  if (user.roles.has('ADMIN')) return 'admin'
  return undefined
}

/**
 * Signs in: a MedTechApi built in this page (keys in IndexedDB, records decrypted here), whose session
 * the administration routes use too (restClientOf): one login with the secret, so that a single-use
 * token is never presented twice, and one session to end at sign-out. Rejects with the server's or the SDK's
 * message (wrong password, locked account, wrong recovery key), with KeysNotOnThisDevice when the
 * person must choose between the recovery key and a new key, or when the account is a medical
 * device's, which has nothing to do in the console.
 */
export async function openSession(
  origin: string,
  credentials: Credentials,
  keys: KeyOptions = {},
): Promise<ConsoleSession> {
  const builder = new MedTechApiBuilder()
    .withICureBaseUrl(origin)
    .withUserName(credentials.username)
    .withPassword(credentials.password)
    .withCryptoStrategies(keys.strategies ?? new ConsoleCryptoStrategies({ lostKey: 'ask' }))
  if (keys.recoveryCode) builder.withRecoveryKey(keys.recoveryCode)
  // A build that fails (keys not here, a wrong recovery key) ends the session it opened itself.
  const api = await builder.build()
  try {
    const user = await api.userApi.getLoggedUser()
    const role = roleOf(user)
    if (!role)
      throw new ConsoleError(
        'This account is neither a healthcare professional, a patient nor an administrator.',
      )
    return {
      role,
      user,
      api,
      dataOwnerId: user.healthcarePartyId ?? user.patientId,
      rest: restClientOf(origin, api),
    }
  } catch (e) {
    // No half-open session.
    await api.dispose().catch(() => undefined)
    throw e
  }
}
