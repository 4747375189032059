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

/**
 * Random bytes are drawn from the platform CSPRNG in blocks of POOL_BYTES and handed out once each:
 * one getRandomValues call serves ~340 IVs, where a call per IV cost as much as the AES operation
 * it fed (measured by the benchmark). Every byte is used at most once, then the pool is refilled.
 */
const POOL_BYTES = 4096
let pool = new Uint8Array(0)
let poolOffset = 0

/** `n` cryptographically secure random bytes (CSPRNG of the platform), each never handed out twice. */
export function randomBytes(n: number): Uint8Array<ArrayBuffer> {
  // getRandomValues is limited to 65536 bytes per call; callers only ask for keys and IVs.
  if (n > POOL_BYTES) return globalThis.crypto.getRandomValues(new Uint8Array(n))
  if (poolOffset + n > pool.length) {
    pool = globalThis.crypto.getRandomValues(new Uint8Array(POOL_BYTES))
    poolOffset = 0
  }
  const out = pool.slice(poolOffset, poolOffset + n)
  // Zero what was handed out so that no copy of it stays in memory with the pool.
  pool.fill(0, poolOffset, poolOffset + n)
  poolOffset += n
  return out
}

/** SHA-256 digest of `data`. */
export async function sha256(data: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await subtle().digest('SHA-256', toBufferSource(data)))
}
