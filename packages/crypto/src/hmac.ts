import { symmetricBackend } from './backend.ts'

/**
 * HMAC-SHA256 of `data` under the raw key bytes `key` (32 bytes out). Used by protocol v2 to seal
 * entities under a key derived from the entity key, and to prove the writer of a revision under a
 * pair's exchange key: symmetric, so that no RSA operation is needed per entity. Runs on node:crypto in
 * Node and WebCrypto in browsers (see backend.ts). Throws CryptoError BAD_KEY on an empty key (WebCrypto
 * cannot use one, so neither backend accepts it) and BAD_INPUT if `data` is not a Uint8Array.
 */
export async function hmacSha256(key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  return await symmetricBackend().hmacSha256(key, data)
}
