/**
 * Why a crypto operation failed:
 * - `CANNOT_DECRYPT`: wrong key, tampered or malformed ciphertext, wrong context (AAD), or no usable key entry;
 * - `BAD_SIGNATURE`: a signature is invalid or made by a key that is not trusted for the signer;
 * - `BAD_KEY`: a key cannot be parsed or used (not RSA, too short, private/public mismatch, wrong length);
 * - `BAD_INPUT`: the caller passed something invalid (bad hex/base64, empty AAD, oversized RSA plaintext);
 * - `UNSUPPORTED_VERSION`: a ciphertext or signed structure of a protocol version this code does not read.
 */
export type CryptoErrorCode =
  'CANNOT_DECRYPT' | 'BAD_SIGNATURE' | 'BAD_KEY' | 'BAD_INPUT' | 'UNSUPPORTED_VERSION'

/**
 * The only error type thrown by `@cairn/crypto`. Callers branch on `code`, never on the message; the
 * underlying WebCrypto error (deliberately vague, e.g. "OperationError") is kept as `cause` for debugging.
 */
export class CryptoError extends Error {
  readonly code: CryptoErrorCode

  constructor(code: CryptoErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'CryptoError'
    this.code = code
  }
}
