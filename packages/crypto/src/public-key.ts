import { hex2ua, ua2hex } from './binary.ts'
import { CryptoError } from './crypto-error.ts'
import { fingerprintOf } from './fingerprint.ts'
import { MIN_MODULUS_BITS, OAEP, PSS } from './rsa-params.ts'
import { subtle } from './web-crypto.ts'

/** A public key ready to use: encrypt exchange keys for its owner, verify its owner's signatures. */
export interface PublicKeyHandle {
  /** Lower-case hex SPKI, as published on the data owner. */
  publicKeyHex: string
  /** {@link fingerprintOf} `publicKeyHex`. */
  fingerprint: string
  /** RSA-OAEP/SHA-256, usage `encrypt`. */
  encryptKey: CryptoKey
  /** RSA-PSS/SHA-256, usage `verify`. */
  verifyKey: CryptoKey
}

/**
 * Imports a hex SPKI RSA public key for both OAEP encryption and PSS verification.
 * Throws CryptoError BAD_KEY if it is not hex, not an RSA SPKI, shorter than 2048 bits, or not in the
 * canonical DER form WebCrypto exports: a key must have exactly one encoding, hence one fingerprint,
 * otherwise the same key could appear under two entries of an `encryptedKey` map.
 */
export async function importPublicKey(spkiHex: string): Promise<PublicKeyHandle> {
  let spki: Uint8Array<ArrayBuffer>
  try {
    spki = hex2ua(spkiHex)
  } catch (e) {
    throw new CryptoError('BAD_KEY', 'invalid public key: not hex', { cause: e })
  }
  let encryptKey: CryptoKey
  let verifyKey: CryptoKey
  let canonical: Uint8Array
  try {
    ;[encryptKey, verifyKey] = await Promise.all([
      subtle().importKey('spki', spki, OAEP, true, ['encrypt']),
      subtle().importKey('spki', spki, PSS, true, ['verify']),
    ])
    canonical = new Uint8Array(await subtle().exportKey('spki', encryptKey))
  } catch (e) {
    throw new CryptoError('BAD_KEY', 'invalid public key: not an RSA SPKI key', { cause: e })
  }
  assertModulus(encryptKey, 'public')
  const publicKeyHex = ua2hex(spki)
  if (ua2hex(canonical) !== publicKeyHex) {
    throw new CryptoError('BAD_KEY', 'invalid public key: non-canonical SPKI encoding')
  }
  return { publicKeyHex, fingerprint: await fingerprintOf(publicKeyHex), encryptKey, verifyKey }
}

/**
 * Refuses RSA keys shorter than the protocol minimum. Shared with the private-key import (internal).
 */
export function assertModulus(key: CryptoKey, what: 'public' | 'private'): void {
  const bits = (key.algorithm as RsaHashedKeyAlgorithm).modulusLength
  if (!(bits >= MIN_MODULUS_BITS)) {
    throw new CryptoError(
      'BAD_KEY',
      `invalid ${what} key: RSA modulus of ${bits} bits, at least ${MIN_MODULUS_BITS} required`,
    )
  }
}
