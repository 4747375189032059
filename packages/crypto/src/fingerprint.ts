import { hex2ua, ua2hex } from './binary.ts'
import { CryptoError } from './crypto-error.ts'
import { sha256 } from './web-crypto.ts'

/**
 * Fingerprint of a public key: hex of the first 16 bytes of SHA-256 over its SPKI bytes (32 hex chars).
 * Identifies a key in `encryptedKey` maps and is shown to users to compare out of band. Hashing the
 * whole SPKI (MedTech used the modulus tail) means two distinct keys cannot share a fingerprint in practice.
 * Throws CryptoError BAD_KEY if `spkiHex` is empty or not hex.
 */
export async function fingerprintOf(spkiHex: string): Promise<string> {
  let spki: Uint8Array
  try {
    spki = hex2ua(spkiHex)
  } catch (e) {
    throw new CryptoError('BAD_KEY', 'invalid public key: not hex', { cause: e })
  }
  if (spki.length === 0) throw new CryptoError('BAD_KEY', 'invalid public key: empty')
  return ua2hex((await sha256(spki)).subarray(0, 16))
}
