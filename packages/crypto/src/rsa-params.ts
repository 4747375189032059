// RSA parameters of the protocol (docs/protocol.md) in one place. One key pair serves two algorithms: its PKCS#8 / SPKI bytes
// (OID rsaEncryption, not bound to an algorithm) are imported once as RSA-OAEP and once as RSA-PSS.

/** Encryption of exchange keys: RSA-OAEP with SHA-256 (MedTech used SHA-1). */
export const OAEP: RsaHashedImportParams = { name: 'RSA-OAEP', hash: 'SHA-256' }

/** Signature of exchange keys: RSA-PSS with SHA-256. */
export const PSS: RsaHashedImportParams = { name: 'RSA-PSS', hash: 'SHA-256' }

/** PSS salt length in bytes (= hash length, the usual choice). */
export const PSS_SALT_LENGTH = 32

/** Modulus length of generated keys. */
export const MODULUS_BITS = 2048

/** Imported keys shorter than this are refused (BAD_KEY): they would weaken every exchange key. */
export const MIN_MODULUS_BITS = 2048

/** Public exponent 65537, big-endian. */
export const PUBLIC_EXPONENT = new Uint8Array([1, 0, 1])

/** Largest RSA-OAEP/SHA-256 plaintext for a modulus of `bits`: k - 2*hLen - 2 bytes (RFC 8017 §7.1.1). */
export function oaepMaxPlaintext(bits: number): number {
  return Math.floor(bits / 8) - 2 * 32 - 2
}
