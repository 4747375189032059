import { toBufferSource } from './bytes.ts'
import { CryptoError } from './crypto-error.ts'

/**
 * The WebCrypto `SubtleCrypto` of the running platform (Node >= 20 and every modern browser expose it
 * as `globalThis.crypto.subtle`; browsers only in secure contexts). Looked up per call so that a missing
 * implementation gives a clear error rather than failing at import time.
 */
export function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle
  if (!s) {
    throw new CryptoError(
      'BAD_INPUT',
      'WebCrypto is unavailable (globalThis.crypto.subtle; browsers need HTTPS)',
    )
  }
  return s
}

/** `n` cryptographically secure random bytes (CSPRNG of the platform). */
export function randomBytes(n: number): Uint8Array<ArrayBuffer> {
  // getRandomValues is limited to 65536 bytes per call; callers only ask for keys and IVs.
  return globalThis.crypto.getRandomValues(new Uint8Array(n))
}

/** SHA-256 digest of `data`. */
export async function sha256(data: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await subtle().digest('SHA-256', toBufferSource(data)))
}
