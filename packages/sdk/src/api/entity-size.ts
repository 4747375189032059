import { DEFAULT_BODY_LIMIT, MAX_ENCRYPTED_SELF_LENGTH } from '@cairn/protocol'
import { SdkError } from '../http/sdk-error.ts'
import { utf8Length } from './request-batches.ts'

/** The server's limits on one entity: its `encryptedSelf` (characters) and one request body (bytes). */
export interface EntityLimits {
  maxEncryptedSelf: number
  maxBody: number
}

const SERVER_LIMITS: EntityLimits = {
  maxEncryptedSelf: MAX_ENCRYPTED_SELF_LENGTH,
  maxBody: DEFAULT_BODY_LIMIT,
}

const ADVICE = 'store large content as several entities (attachments are not available yet)'

/**
 * The shortest `encryptedSelf` content of `bytes` bytes can give: base64 (4 characters per 3 bytes)
 * of at least as many bytes, since AES-GCM only adds (a header and a tag) to the plaintext.
 */
export function minEncryptedSelfLength(bytes: number): number {
  return 4 * Math.ceil(bytes / 3)
}

/**
 * Refuses an entity that cannot fit on the server, from its clear and to-be-encrypted fields alone,
 * before any encryption: encrypting and sealing a large entity, and creating the exchange keys its
 * seal needs, takes seconds that a refusal afterwards would waste. The bounds are lower bounds of
 * the encrypted sizes, so an entity refused here would certainly be refused by the server (413);
 * one that passes is checked again once encrypted (assertEncryptedFits).
 */
export function assertFitsBeforeEncryption(
  describe: string,
  clear: Record<string, unknown>,
  secret: Record<string, unknown>,
  limits: EntityLimits = SERVER_LIMITS,
): void {
  const contentBytes = utf8Length(JSON.stringify(secret))
  const minSelf = minEncryptedSelfLength(contentBytes)
  if (minSelf > limits.maxEncryptedSelf) {
    throw new SdkError(
      'PAYLOAD_TOO_LARGE',
      `${describe}: its encrypted fields are ${contentBytes} bytes before encryption, which encrypt to at least ${minSelf} characters, more than the ${limits.maxEncryptedSelf} characters the server accepts in systemMetaData.encryptedSelf; ${ADVICE}`,
    )
  }
  const minBody = utf8Length(JSON.stringify(clear)) + minSelf
  if (minBody > limits.maxBody) {
    throw new SdkError(
      'PAYLOAD_TOO_LARGE',
      `${describe}: its fields are at least ${minBody} bytes once encrypted (before encryption), more than the ${limits.maxBody} bytes the server accepts in one request; ${ADVICE}`,
    )
  }
}

/** Refuses an encrypted entity whose `encryptedSelf` is over the server's limit (it would be a 413). */
export function assertEncryptedFits(
  describe: string,
  encryptedSelf: string | undefined,
  limits: EntityLimits = SERVER_LIMITS,
): void {
  const length = encryptedSelf?.length ?? 0
  if (length > limits.maxEncryptedSelf) {
    throw new SdkError(
      'PAYLOAD_TOO_LARGE',
      `${describe}: its systemMetaData.encryptedSelf is ${length} characters once encrypted, more than the ${limits.maxEncryptedSelf} characters the server accepts; ${ADVICE}`,
    )
  }
}
