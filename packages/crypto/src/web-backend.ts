import { toBufferSource } from './bytes.ts'
import { CryptoError } from './crypto-error.ts'
import {
  assertAesGcmArgs,
  assertDigestArgs,
  assertHmacArgs,
  assertRandomLength,
  GCM_TAG_BYTES,
  type SymmetricBackend,
} from './symmetric-backend.ts'

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
 * Random bytes are drawn from getRandomValues in blocks of POOL_BYTES and handed out once each: one call
 * serves ~340 IVs, where a call per IV cost as much as the AES operation it fed (measured by the
 * benchmark). Every byte is used at most once and zeroed in the pool once handed out. The node backend
 * pools the same way (a randomFillSync system call per IV was the largest cost of creating entities).
 */
const POOL_BYTES = 4096
/** getRandomValues refuses more than 65536 bytes per call. */
const GET_RANDOM_VALUES_MAX = 65536
let pool = new Uint8Array(0)
let poolOffset = 0

function randomBytes(n: number): Uint8Array<ArrayBuffer> {
  assertRandomLength(n)
  if (n > POOL_BYTES) {
    const out = new Uint8Array(n)
    for (let i = 0; i < n; i += GET_RANDOM_VALUES_MAX) {
      globalThis.crypto.getRandomValues(out.subarray(i, i + GET_RANDOM_VALUES_MAX))
    }
    return out
  }
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

// Imported CryptoKeys, cached per raw-key array so that an AesKey (or a long-lived HMAC key) is imported
// once, not per operation. The entry keeps a copy of the bytes it was imported from and is only used
// while the array still holds them: a caller mutating `raw` in place gets a fresh import, exactly like
// the node backend, which reads the raw bytes on every call. WeakMap: entries go with their arrays.
interface CachedKey {
  bytes: Uint8Array
  key: Promise<CryptoKey>
}
const aesKeys = new WeakMap<Uint8Array, CachedKey>()
const hmacKeys = new WeakMap<Uint8Array, CachedKey>()

function cachedKey(
  cache: WeakMap<Uint8Array, CachedKey>,
  raw: Uint8Array,
  importer: (bytes: Uint8Array<ArrayBuffer>) => Promise<CryptoKey>,
): Promise<CryptoKey> {
  const hit = cache.get(raw)
  if (hit && sameBytes(hit.bytes, raw)) return hit.key
  const bytes = new Uint8Array(raw)
  const key = importer(bytes)
  const entry = { bytes, key }
  cache.set(raw, entry)
  // A failed import must not stay cached (the error still reaches the caller through `key`).
  key.catch(() => {
    if (cache.get(raw) === entry) cache.delete(raw)
  })
  return key
}

// Compares a key with its own earlier copy: no early exit, so timing does not depend on where they differ.
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i]
  return diff === 0
}

function aesKey(raw: Uint8Array): Promise<CryptoKey> {
  // Non-extractable: the raw bytes are at hand when needed, nobody needs to export the CryptoKey.
  return cachedKey(aesKeys, raw, (bytes) =>
    subtle().importKey('raw', bytes, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']),
  )
}

function hmacKey(raw: Uint8Array): Promise<CryptoKey> {
  return cachedKey(hmacKeys, raw, (bytes) =>
    subtle().importKey('raw', bytes, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']),
  )
}

function gcmParams(iv: Uint8Array, aad: Uint8Array): AesGcmParams {
  return {
    name: 'AES-GCM',
    iv: toBufferSource(iv),
    additionalData: toBufferSource(aad),
    tagLength: GCM_TAG_BYTES * 8,
  }
}

/** Symmetric backend on WebCrypto (`globalThis.crypto.subtle`), used in browsers (internal). */
export const webBackend: SymmetricBackend = {
  name: 'web',

  async aesGcmEncrypt(rawKey, iv, plaintext, aad) {
    assertAesGcmArgs(rawKey, iv, plaintext, aad)
    const key = await aesKey(rawKey)
    return new Uint8Array(await subtle().encrypt(gcmParams(iv, aad), key, toBufferSource(plaintext)))
  },

  async aesGcmDecrypt(rawKey, iv, ctAndTag, aad) {
    assertAesGcmArgs(rawKey, iv, ctAndTag, aad)
    const s = subtle()
    const key = await aesKey(rawKey)
    const failure = 'cannot decrypt: authentication failed (wrong key or tampered data)'
    if (ctAndTag.length < GCM_TAG_BYTES) throw new CryptoError('CANNOT_DECRYPT', failure)
    try {
      return new Uint8Array(await s.decrypt(gcmParams(iv, aad), key, toBufferSource(ctAndTag)))
    } catch (e) {
      throw new CryptoError('CANNOT_DECRYPT', failure, { cause: e })
    }
  },

  async hmacSha256(rawKey, data) {
    assertHmacArgs(rawKey, data)
    return new Uint8Array(await subtle().sign('HMAC', await hmacKey(rawKey), toBufferSource(data)))
  },

  async sha256(data) {
    assertDigestArgs(data)
    return new Uint8Array(await subtle().digest('SHA-256', toBufferSource(data)))
  },

  randomBytes,
}
