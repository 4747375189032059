import { SdkError } from '../http/sdk-error.ts'
import type { IntegrityFailureHandler } from '../crypto/integrity-report.ts'
import type { MedTechCryptoStrategies } from '../crypto/medtech-crypto-strategies.ts'
import type { KeyStorageFacade, StorageFacade } from '../storage/storage-facade.ts'
import type { User } from '../models/index.ts'
import { MedTechApiBuilder, medTechApi } from './medtech-api-builder.ts'
import type { MedTechApi } from './medtech-api.ts'

/** Validity of the token an authentication ends with: 10 years, in seconds (MedTech). */
export const AUTHENTICATION_TOKEN_VALIDITY = 315360000

/** Extra attempts of a login that failed for want of an answer (MedTech: 5, 3 s apart). */
const RETRIES = 5
const RETRY_PAUSE_MS = 3000

/** How the API of an authenticated user is built (the settings of the anonymous API or of a MedTechApi). */
export interface LoginSettings {
  iCureBaseUrl: string
  /** As the app gave them: the built API keeps them (MedTech quirk 3 fixed). */
  msgGwUrl?: string
  msgGwSpecId?: string
  authProcessByEmailId?: string
  authProcessBySmsId?: string
  crypto?: Crypto
  storage?: StorageFacade<string>
  keyStorage?: KeyStorageFacade
  cryptoStrategies: MedTechCryptoStrategies
  integrityFailureHandler?: IntegrityFailureHandler
}

/** A failure worth another attempt: no answer, or the server's own failure (never a refused secret). */
function retryable(e: unknown): boolean {
  return e instanceof SdkError && (e.code === 'NETWORK' || e.status >= 500)
}

/** `step` again, 3 s apart, up to 5 more times while it fails for want of an answer. */
async function withRetries<T>(step: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await step()
    } catch (e) {
      if (attempt >= RETRIES || !retryable(e)) throw e
      await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS))
    }
  }
}

/**
 * MedTech's login and crypto initialisation of an authentication (§5.3 step 2): logs in with a
 * single-use secret (a validation code or an invitation token, which the login consumes), which
 * initialises the data owner's keys on this device (making its key pair at its first login), creates a
 * 10-year token and logs in again with it; the session of the secret is then ended. Each of the three
 * steps is retried up to 5 times, 3 s apart, when the server could not be reached or failed (5xx), never
 * when it refused the secret (a spent code does not come back); the steps after the first reuse its
 * session, so a failure there does not need the spent secret again.
 */
export async function loginWithSecret(
  s: LoginSettings,
  login: string,
  secret: string,
): Promise<{ api: MedTechApi; user: User; token: string }> {
  const b = new MedTechApiBuilder()
    .withICureBaseUrl(s.iCureBaseUrl)
    .withUserName(login)
    .withPassword(secret)
    .withCryptoStrategies(s.cryptoStrategies)
    .withMsgGwUrl(s.msgGwUrl)
    .withMsgGwSpecId(s.msgGwSpecId)
  if (s.crypto) b.withCrypto(s.crypto)
  if (s.storage) b.withStorage(s.storage)
  if (s.keyStorage) b.withKeyStorage(s.keyStorage)
  if (s.authProcessByEmailId) b.withAuthProcessByEmailId(s.authProcessByEmailId)
  if (s.authProcessBySmsId) b.withAuthProcessBySmsId(s.authProcessBySmsId)
  if (s.integrityFailureHandler) b.withIntegrityFailureHandler(s.integrityFailureHandler)
  const first = await withRetries(() => b.build())
  const expired = `Your validation code ${secret} expired. Start a new authentication process for your user`
  const { user, token } = await withRetries(async () => {
    const user = await first.userApi.getLoggedUser()
    if (!user?.id) throw new SdkError('UNAUTHORIZED', expired)
    const token = await first.userApi.createToken(user.id, AUTHENTICATION_TOKEN_VALIDITY)
    if (!token) throw new SdkError('UNAUTHORIZED', expired)
    return { user, token }
  })
  const api = await withRetries(() => medTechApi(first).withPassword(token).build())
  // The secret's session has served its purpose (best effort: it expires anyway).
  await first.logout().catch(() => undefined)
  return { api, user, token }
}
