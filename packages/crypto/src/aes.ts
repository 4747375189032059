import { symmetricBackend } from './backend.ts'
import { b64_2ua, ua2b64, utf8_2ua } from './binary.ts'
import { isBytes } from './bytes.ts'
import { CryptoError } from './crypto-error.ts'
import { AES_KEY_BYTES, GCM_IV_BYTES, GCM_TAG_BYTES } from './symmetric-backend.ts'
import { assertProtocolVersion, PROTOCOL_VERSION } from './version.ts'

// Ciphertext layout (protocol v2): version (1 byte) ‖ IV (12) ‖ ciphertext ‖ tag (16), in base64.
const VERSION_BYTES = 1
const HEADER_BYTES = VERSION_BYTES + GCM_IV_BYTES

/**
 * An AES-256-GCM key (exchange key or entity key): its raw bytes. The backend works from them directly
 * (node:crypto takes raw keys; the WebCrypto backend imports a CryptoKey on first use and caches it for
 * this array), so importing a key costs nothing.
 */
export interface AesKey {
  raw: Uint8Array
}

/** Generates a random AES-256 key (fresh CSPRNG bytes, owned by the key: no other copy is left behind). */
export function generateAesKey(): Promise<AesKey> {
  // Inside then(): a failure (e.g. no usable backend) rejects rather than throws.
  return Promise.resolve().then(() => ({ raw: symmetricBackend().randomBytes(AES_KEY_BYTES) }))
}

/**
 * Imports raw AES-256 key bytes (an unwrapped entity key or decrypted exchange key). Throws CryptoError
 * BAD_KEY unless exactly 32 bytes: 16- or 24-byte keys are valid AES but not this protocol. The bytes
 * are copied so later changes to the caller's array cannot change the key.
 */
export function importAesKey(raw: Uint8Array): Promise<AesKey> {
  // No WebCrypto import here (the web backend imports lazily): a settled promise, rejected on a bad key.
  if (!isBytes(raw) || raw.length !== AES_KEY_BYTES) {
    return Promise.reject(new CryptoError('BAD_KEY', `invalid AES key: expected ${AES_KEY_BYTES} bytes`))
  }
  return Promise.resolve({ raw: new Uint8Array(raw) })
}

/**
 * AES-256-GCM encryption with a fresh random IV; returns base64 of `0x02 ‖ IV ‖ ciphertext ‖ tag` (the
 * first byte is {@link PROTOCOL_VERSION}). `aad` is the context the ciphertext is bound to (see aad.ts)
 * and is mandatory: a ciphertext without context could be moved by the server to another entity or
 * delegate. Throws CryptoError BAD_INPUT on an empty AAD or a non-Uint8Array plaintext, BAD_KEY on a
 * key that is not 32 bytes.
 */
export async function aesEncrypt(key: AesKey, data: Uint8Array, aad: string): Promise<string> {
  const additionalData = checkedAad(aad)
  if (!isBytes(data)) throw new CryptoError('BAD_INPUT', 'AES plaintext must be a Uint8Array')
  return encryptWith(key, symmetricBackend().randomBytes(GCM_IV_BYTES), data, additionalData)
}

/**
 * {@link aesEncrypt} with a caller-chosen IV. Internal, for known-answer tests only (not exported from
 * index.ts): reusing an IV under the same key breaks GCM completely. Throws CryptoError BAD_INPUT unless
 * `iv` is 12 bytes.
 */
export async function aesEncryptWithIvForTests(
  key: AesKey,
  iv: Uint8Array,
  data: Uint8Array,
  aad: string,
): Promise<string> {
  const additionalData = checkedAad(aad)
  if (!isBytes(data)) throw new CryptoError('BAD_INPUT', 'AES plaintext must be a Uint8Array')
  return encryptWith(key, iv, data, additionalData)
}

/**
 * Decrypts the output of {@link aesEncrypt} under the same key and AAD. A first byte other than
 * {@link PROTOCOL_VERSION} is CryptoError UNSUPPORTED_VERSION (e.g. a protocol v1 ciphertext). Any other
 * failure (wrong key, wrong context, flipped bit, truncated or non-base64 input) is CryptoError
 * CANNOT_DECRYPT: GCM authenticates before releasing plaintext, so garbage is never returned.
 */
export async function aesDecrypt(key: AesKey, b64: string, aad: string): Promise<Uint8Array> {
  const additionalData = checkedAad(aad)
  let bytes: Uint8Array<ArrayBuffer>
  try {
    bytes = b64_2ua(b64)
  } catch (e) {
    throw new CryptoError('CANNOT_DECRYPT', 'cannot decrypt: ciphertext is not valid base64', { cause: e })
  }
  if (bytes.length === 0) throw new CryptoError('CANNOT_DECRYPT', 'cannot decrypt: empty ciphertext')
  assertProtocolVersion(bytes[0])
  if (bytes.length < HEADER_BYTES + GCM_TAG_BYTES) {
    throw new CryptoError('CANNOT_DECRYPT', 'cannot decrypt: ciphertext too short')
  }
  try {
    return await symmetricBackend().aesGcmDecrypt(
      rawOf(key),
      bytes.subarray(VERSION_BYTES, HEADER_BYTES),
      bytes.subarray(HEADER_BYTES),
      additionalData,
    )
  } catch (e) {
    // The backends already report authentication failures as CANNOT_DECRYPT, and a malformed key as BAD_KEY.
    if (e instanceof CryptoError) throw e
    throw new CryptoError(
      'CANNOT_DECRYPT',
      'cannot decrypt: authentication failed (wrong key or tampered data)',
      {
        cause: e,
      },
    )
  }
}

async function encryptWith(
  key: AesKey,
  iv: Uint8Array,
  data: Uint8Array,
  additionalData: Uint8Array,
): Promise<string> {
  const ct = await symmetricBackend().aesGcmEncrypt(rawOf(key), iv, data, additionalData)
  const out = new Uint8Array(HEADER_BYTES + ct.length)
  out[0] = PROTOCOL_VERSION
  out.set(iv, VERSION_BYTES)
  out.set(ct, HEADER_BYTES)
  return ua2b64(out)
}

// The backends check the length; this only turns a missing key object into BAD_KEY instead of a TypeError.
function rawOf(key: AesKey): Uint8Array {
  const raw = (key as AesKey | undefined)?.raw
  if (!isBytes(raw)) throw new CryptoError('BAD_KEY', `invalid AES key: expected ${AES_KEY_BYTES} bytes`)
  return raw
}

function checkedAad(aad: string): Uint8Array<ArrayBuffer> {
  if (typeof aad !== 'string' || aad.length === 0) {
    throw new CryptoError('BAD_INPUT', 'AES-GCM additional authenticated data (context) is mandatory')
  }
  return utf8_2ua(aad)
}
