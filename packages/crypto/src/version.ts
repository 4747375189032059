import { CryptoError } from './crypto-error.ts'

/**
 * Version of the Cairn E2EE protocol this package writes and reads. Every ciphertext starts with this
 * byte (AES-GCM: `version ‖ IV ‖ ciphertext ‖ tag`; RSA-OAEP: `version ‖ RSA ciphertext`), so that a
 * future version can be told apart instead of failing as a wrong key; signed texts and AAD contexts
 * carry the version in their text.
 */
export const PROTOCOL_VERSION = 2

/**
 * Refuses a ciphertext whose first byte is not {@link PROTOCOL_VERSION} with CryptoError
 * UNSUPPORTED_VERSION (internal; called by the AES and RSA readers before any decryption).
 */
export function assertProtocolVersion(first: number): void {
  if (first !== PROTOCOL_VERSION) {
    throw new CryptoError(
      'UNSUPPORTED_VERSION',
      `unsupported protocol version ${first} (this SDK reads protocol version ${PROTOCOL_VERSION})`,
    )
  }
}
