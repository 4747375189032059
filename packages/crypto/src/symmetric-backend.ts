import { isBytes } from './bytes.ts'
import { CryptoError } from './crypto-error.ts'

// The symmetric primitives of the protocol (AES-256-GCM, HMAC-SHA256, SHA-256, CSPRNG) behind one internal
// interface with two implementations: node:crypto in Node (synchronous OpenSSL calls, no promise hop per
// operation) and WebCrypto in browsers. Both implement exactly the same byte-level contract, checked by the
// shared known-answer vectors in symmetric-backend.test.ts. RSA is not here: it stays on WebCrypto
// everywhere (per-pair work only, and one key-handle type).

/** AES-256: 32-byte keys. */
export const AES_KEY_BYTES = 32
/** 96-bit GCM IV: the size that needs no extra hashing; random for every encryption. */
export const GCM_IV_BYTES = 12
/** Full 128-bit GCM tag; shorter tags weaken authentication. */
export const GCM_TAG_BYTES = 16

/** Which implementation a {@link SymmetricBackend} is. */
export type SymmetricBackendName = 'node' | 'web'

/**
 * The symmetric crypto of the package. Internal: never exported from index.ts. Every operation validates
 * its arguments the same way in both implementations (see the assert functions below), so callers see
 * identical errors whatever the platform.
 */
export interface SymmetricBackend {
  readonly name: SymmetricBackendName
  /**
   * AES-256-GCM encryption with the given IV (callers draw a fresh random IV; a fixed IV is only for the
   * known-answer tests). Returns ciphertext ‖ tag (16 bytes).
   */
  aesGcmEncrypt(
    rawKey: Uint8Array,
    iv: Uint8Array,
    plaintext: Uint8Array,
    aad: Uint8Array,
  ): Promise<Uint8Array<ArrayBuffer>>
  /** AES-256-GCM decryption of ciphertext ‖ tag; rejects (never returns unauthenticated bytes) on failure. */
  aesGcmDecrypt(
    rawKey: Uint8Array,
    iv: Uint8Array,
    ctAndTag: Uint8Array,
    aad: Uint8Array,
  ): Promise<Uint8Array<ArrayBuffer>>
  /** HMAC-SHA256 of `data` under the raw key bytes (non-empty); 32 bytes. */
  hmacSha256(rawKey: Uint8Array, data: Uint8Array): Promise<Uint8Array<ArrayBuffer>>
  /** SHA-256 digest; 32 bytes. */
  sha256(data: Uint8Array): Promise<Uint8Array<ArrayBuffer>>
  /**
   * `n` bytes from the platform CSPRNG. Synchronous in both implementations (getRandomValues and
   * randomFillSync are), because the public `randomBytes` and key/IV generation are synchronous.
   */
  randomBytes(n: number): Uint8Array<ArrayBuffer>
}

/** Checks the arguments of an AES-GCM operation (internal; shared by both backends). */
export function assertAesGcmArgs(
  rawKey: Uint8Array,
  iv: Uint8Array,
  data: Uint8Array,
  aad: Uint8Array,
): void {
  if (!isBytes(rawKey) || rawKey.length !== AES_KEY_BYTES) {
    throw new CryptoError('BAD_KEY', `invalid AES key: expected ${AES_KEY_BYTES} bytes`)
  }
  if (!isBytes(iv) || iv.length !== GCM_IV_BYTES) {
    throw new CryptoError('BAD_INPUT', `invalid AES-GCM IV: expected ${GCM_IV_BYTES} bytes`)
  }
  if (!isBytes(data) || !isBytes(aad)) {
    throw new CryptoError('BAD_INPUT', 'AES-GCM data and AAD must be Uint8Arrays')
  }
}

/**
 * Checks the arguments of an HMAC (internal; shared by both backends). An empty key is refused: WebCrypto
 * cannot import one, and node:crypto would silently accept it, so both refuse it for identical behaviour.
 */
export function assertHmacArgs(rawKey: Uint8Array, data: Uint8Array): void {
  if (!isBytes(rawKey) || rawKey.length === 0) {
    throw new CryptoError('BAD_KEY', 'invalid HMAC key: expected non-empty bytes')
  }
  if (!isBytes(data)) throw new CryptoError('BAD_INPUT', 'HMAC data must be a Uint8Array')
}

/** Checks the argument of a SHA-256 digest (internal; shared by both backends). */
export function assertDigestArgs(data: Uint8Array): void {
  if (!isBytes(data)) throw new CryptoError('BAD_INPUT', 'SHA-256 input must be a Uint8Array')
}

/** Checks a requested number of random bytes (internal; shared by both backends). */
export function assertRandomLength(n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new CryptoError('BAD_INPUT', `invalid number of random bytes: ${String(n)}`)
  }
}
