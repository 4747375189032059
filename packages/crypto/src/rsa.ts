import { b64_2ua, ua2b64 } from './binary.ts'
import { toBufferSource } from './bytes.ts'
import { CryptoError } from './crypto-error.ts'
import type { KeyPairHandle } from './key-pair.ts'
import type { PublicKeyHandle } from './public-key.ts'
import { countRsaOperation } from './rsa-counter.ts'
import { oaepMaxPlaintext, PSS_SALT_LENGTH } from './rsa-params.ts'
import { assertProtocolVersion, PROTOCOL_VERSION } from './version.ts'
import { subtle } from './web-crypto.ts'

// RSA is only used on exchange keys (32-byte AES keys) and their signatures, never on entity data:
// that is what keeps asymmetric work per pair of data owners instead of per entity.

/**
 * RSA-OAEP/SHA-256 encryption of a short secret (an exchange key) for the owner of `pub`; base64 of
 * `0x02 ‖ RSA ciphertext` (the first byte is {@link PROTOCOL_VERSION}). Throws CryptoError BAD_INPUT if
 * `data` exceeds what OAEP can carry (190 bytes for 2048 bits).
 */
export async function rsaEncrypt(pub: PublicKeyHandle, data: Uint8Array): Promise<string> {
  const max = oaepMaxPlaintext((pub.encryptKey.algorithm as RsaHashedKeyAlgorithm).modulusLength)
  if (data.length > max) {
    throw new CryptoError(
      'BAD_INPUT',
      `RSA-OAEP plaintext of ${data.length} bytes exceeds the ${max}-byte limit`,
    )
  }
  countRsaOperation()
  let ciphertext: Uint8Array
  try {
    ciphertext = new Uint8Array(
      await subtle().encrypt({ name: 'RSA-OAEP' }, pub.encryptKey, toBufferSource(data)),
    )
  } catch (e) {
    throw new CryptoError('BAD_KEY', 'RSA encryption failed: unusable public key', { cause: e })
  }
  const out = new Uint8Array(1 + ciphertext.length)
  out[0] = PROTOCOL_VERSION
  out.set(ciphertext, 1)
  return ua2b64(out)
}

/**
 * RSA-OAEP/SHA-256 decryption of the output of {@link rsaEncrypt} with an own key. Throws CryptoError
 * UNSUPPORTED_VERSION when the first byte is not {@link PROTOCOL_VERSION} (checked before any RSA
 * operation), CANNOT_DECRYPT when the ciphertext is empty or malformed, was made for another key, or was
 * tampered with (OAEP padding check fails).
 */
export async function rsaDecrypt(pair: KeyPairHandle, b64: string): Promise<Uint8Array> {
  let bytes: Uint8Array<ArrayBuffer>
  try {
    bytes = b64_2ua(b64)
  } catch (e) {
    throw new CryptoError('CANNOT_DECRYPT', 'cannot decrypt: RSA ciphertext is not valid base64', {
      cause: e,
    })
  }
  if (bytes.length === 0) throw new CryptoError('CANNOT_DECRYPT', 'cannot decrypt: empty RSA ciphertext')
  assertProtocolVersion(bytes[0])
  countRsaOperation()
  try {
    return new Uint8Array(await subtle().decrypt({ name: 'RSA-OAEP' }, pair.decryptKey, bytes.subarray(1)))
  } catch (e) {
    throw new CryptoError(
      'CANNOT_DECRYPT',
      'cannot decrypt: RSA-OAEP decryption failed (wrong key or tampered data)',
      {
        cause: e,
      },
    )
  }
}

/** RSA-PSS/SHA-256 (salt 32) signature of `data` with an own key; base64 result. */
export async function rsaSign(pair: KeyPairHandle, data: Uint8Array): Promise<string> {
  countRsaOperation()
  try {
    const sig = await subtle().sign(
      { name: 'RSA-PSS', saltLength: PSS_SALT_LENGTH },
      pair.signKey,
      toBufferSource(data),
    )
    return ua2b64(sig)
  } catch (e) {
    throw new CryptoError('BAD_KEY', 'RSA signature failed: unusable private key', { cause: e })
  }
}

/**
 * Verifies an RSA-PSS/SHA-256 (salt 32) signature. Returns false (never throws) for an invalid or
 * malformed signature, so callers decide how to report it (exchange keys turn it into BAD_SIGNATURE).
 */
export async function rsaVerify(pub: PublicKeyHandle, data: Uint8Array, sigB64: string): Promise<boolean> {
  let sig: Uint8Array<ArrayBuffer>
  try {
    sig = b64_2ua(sigB64)
  } catch {
    return false
  }
  countRsaOperation()
  try {
    return await subtle().verify(
      { name: 'RSA-PSS', saltLength: PSS_SALT_LENGTH },
      pub.verifyKey,
      sig,
      toBufferSource(data),
    )
  } catch {
    return false
  }
}
