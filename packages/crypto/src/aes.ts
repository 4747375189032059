import { b64_2ua, ua2b64, utf8_2ua } from './binary.ts'
import { isBytes, toBufferSource } from './bytes.ts'
import { CryptoError } from './crypto-error.ts'
import { randomBytes, subtle } from './web-crypto.ts'

const KEY_BYTES = 32 // AES-256 (MedTech used 128-bit entity keys)
const IV_BYTES = 12 // 96-bit IV: the GCM size that needs no extra hashing, random per encryption
const TAG_BYTES = 16 // full 128-bit tag; shorter tags weaken authentication

/** An AES-256-GCM key (exchange key or entity key): raw bytes (to wrap or hash it) and the WebCrypto key. */
export interface AesKey {
  raw: Uint8Array
  key: CryptoKey
}

/** Generates a random AES-256 key. */
export async function generateAesKey(): Promise<AesKey> {
  return importAesKey(randomBytes(KEY_BYTES))
}

/**
 * Imports raw AES-256 key bytes (an unwrapped entity key or decrypted exchange key). Throws CryptoError
 * BAD_KEY unless exactly 32 bytes: 16- or 24-byte keys are valid AES but not this protocol. The bytes
 * are copied so later changes to the caller's array cannot desynchronise `raw` and `key`.
 */
export async function importAesKey(raw: Uint8Array): Promise<AesKey> {
  if (!isBytes(raw) || raw.length !== KEY_BYTES) {
    throw new CryptoError('BAD_KEY', `invalid AES key: expected ${KEY_BYTES} bytes`)
  }
  const copy = new Uint8Array(raw)
  // Non-extractable: `raw` is already at hand when needed, nobody needs to export the CryptoKey.
  const key = await subtle().importKey('raw', copy, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt'])
  return { raw: copy, key }
}

/**
 * AES-256-GCM encryption with a fresh random IV; returns base64 of IV ‖ ciphertext ‖ tag. `aad` is the
 * context the ciphertext is bound to (see aad.ts) and is mandatory: a ciphertext without context could be
 * moved by the server to another entity or delegate. Throws CryptoError BAD_INPUT on an empty AAD.
 */
export async function aesEncrypt(key: AesKey, data: Uint8Array, aad: string): Promise<string> {
  const additionalData = checkedAad(aad)
  if (!isBytes(data)) throw new CryptoError('BAD_INPUT', 'AES plaintext must be a Uint8Array')
  const iv = randomBytes(IV_BYTES)
  const ct = new Uint8Array(
    await subtle().encrypt(
      { name: 'AES-GCM', iv, additionalData, tagLength: TAG_BYTES * 8 },
      key.key,
      toBufferSource(data),
    ),
  )
  const out = new Uint8Array(IV_BYTES + ct.length)
  out.set(iv)
  out.set(ct, IV_BYTES)
  return ua2b64(out)
}

/**
 * Decrypts the output of {@link aesEncrypt} under the same key and AAD. Any failure (wrong key, wrong
 * context, flipped bit, truncated or non-base64 input) is CryptoError CANNOT_DECRYPT: GCM authenticates
 * before releasing plaintext, so garbage is never returned.
 */
export async function aesDecrypt(key: AesKey, b64: string, aad: string): Promise<Uint8Array> {
  const additionalData = checkedAad(aad)
  let bytes: Uint8Array<ArrayBuffer>
  try {
    bytes = b64_2ua(b64)
  } catch (e) {
    throw new CryptoError('CANNOT_DECRYPT', 'cannot decrypt: ciphertext is not valid base64', { cause: e })
  }
  if (bytes.length < IV_BYTES + TAG_BYTES) {
    throw new CryptoError('CANNOT_DECRYPT', 'cannot decrypt: ciphertext too short')
  }
  try {
    return new Uint8Array(
      await subtle().decrypt(
        { name: 'AES-GCM', iv: bytes.subarray(0, IV_BYTES), additionalData, tagLength: TAG_BYTES * 8 },
        key.key,
        bytes.subarray(IV_BYTES),
      ),
    )
  } catch (e) {
    throw new CryptoError(
      'CANNOT_DECRYPT',
      'cannot decrypt: authentication failed (wrong key or tampered data)',
      {
        cause: e,
      },
    )
  }
}

function checkedAad(aad: string): Uint8Array<ArrayBuffer> {
  if (typeof aad !== 'string' || aad.length === 0) {
    throw new CryptoError('BAD_INPUT', 'AES-GCM additional authenticated data (context) is mandatory')
  }
  return utf8_2ua(aad)
}
