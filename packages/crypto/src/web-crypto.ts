import { symmetricBackend } from './backend.ts'

// The platform primitives the rest of the package uses. RSA (key-pair.ts, public-key.ts, rsa.ts) calls
// WebCrypto directly through `subtle()`, in Node as in browsers; random bytes and SHA-256 go through the
// symmetric backend (node:crypto in Node, WebCrypto elsewhere: see backend.ts).

export { subtle } from './web-backend.ts'

/**
 * `n` cryptographically secure random bytes from the platform CSPRNG (randomFillSync in Node,
 * getRandomValues in browsers), drawn in blocks of 4096 bytes, each byte handed out once and then zeroed
 * in the block (one call per IV cost as much as the AES operation it fed).
 */
export function randomBytes(n: number): Uint8Array<ArrayBuffer> {
  return symmetricBackend().randomBytes(n)
}

/** SHA-256 digest of `data` (32 bytes). Throws CryptoError BAD_INPUT if `data` is not a Uint8Array. */
export async function sha256(data: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  return await symmetricBackend().sha256(data)
}
