import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { JWT_SECRET_FILE } from '../auth/jwt-secret.ts'
import { secretFingerprint } from '../auth/secret-agreement.ts'

/**
 * The fingerprint (auth/secret-agreement.ts: an HMAC under the secret, never the secret) of the token
 * signing secret a server on `dataDir` would use: CAIRN_JWT_SECRET when set, else the data directory's
 * `jwt-secret` file; undefined when there is none (a server would generate one) or it cannot be read.
 * A backup records it and a restore compares it, to warn that users will have to log in again and
 * that queued outbox messages cannot be opened when the secrets differ.
 */
export async function configuredSecretFingerprint(
  jwtSecret: string | undefined,
  dataDir: string,
): Promise<string | undefined> {
  if (jwtSecret) return secretFingerprint(jwtSecret)
  try {
    // Trimmed as auth/jwt-secret.ts reads it.
    const secret = (await readFile(join(dataDir, JWT_SECRET_FILE), 'utf8')).trim()
    return secret ? secretFingerprint(secret) : undefined
  } catch {
    return undefined
  }
}
