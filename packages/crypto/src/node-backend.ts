// Type-only import: erased at build time, so neither the browser bundle nor this module loads node:crypto.
// The module object is handed in by backend.ts, which obtains it at runtime via process.getBuiltinModule.
import type * as NodeCrypto from 'node:crypto'
import { CryptoError } from './crypto-error.ts'
import {
  assertAesGcmArgs,
  assertDigestArgs,
  assertHmacArgs,
  assertRandomLength,
  GCM_TAG_BYTES,
  type SymmetricBackend,
} from './symmetric-backend.ts'

/** The parts of node:crypto the backend uses. */
export type NodeCryptoModule = Pick<
  typeof NodeCrypto,
  'createCipheriv' | 'createDecipheriv' | 'createHmac' | 'createHash' | 'randomFillSync'
>

/**
 * Symmetric backend on node:crypto (OpenSSL). Every operation runs synchronously and returns an already
 * settled promise: a 200-byte AES-GCM operation takes a few microseconds, far less than the thread-pool
 * round trip WebCrypto makes in Node for each call. Outputs are fresh Uint8Arrays that own their memory
 * (never a Buffer, never a slice of Node's shared pool), and intermediate plaintext buffers are zeroed.
 */
export function createNodeBackend(nc: NodeCryptoModule): SymmetricBackend {
  return {
    name: 'node',

    aesGcmEncrypt: (rawKey, iv, plaintext, aad) =>
      settle(() => {
        assertAesGcmArgs(rawKey, iv, plaintext, aad)
        const cipher = nc.createCipheriv('aes-256-gcm', rawKey, iv, { authTagLength: GCM_TAG_BYTES })
        cipher.setAAD(aad)
        const head = cipher.update(plaintext)
        const tail = cipher.final()
        return concat(head, tail, cipher.getAuthTag())
      }),

    aesGcmDecrypt: (rawKey, iv, ctAndTag, aad) =>
      settle(() => {
        assertAesGcmArgs(rawKey, iv, ctAndTag, aad)
        if (ctAndTag.length < GCM_TAG_BYTES) throw authFailure()
        const split = ctAndTag.length - GCM_TAG_BYTES
        // authTagLength pins the tag size: without it setAuthTag would accept truncated tags.
        const decipher = nc.createDecipheriv('aes-256-gcm', rawKey, iv, { authTagLength: GCM_TAG_BYTES })
        decipher.setAAD(aad)
        decipher.setAuthTag(ctAndTag.subarray(split))
        // update() releases plaintext before the tag is checked by final(): it is only returned after a
        // successful final() and wiped otherwise.
        const head = decipher.update(ctAndTag.subarray(0, split))
        let tail: Uint8Array
        try {
          tail = decipher.final()
        } catch (e) {
          head.fill(0)
          throw authFailure(e)
        }
        const out = concat(head, tail)
        head.fill(0)
        tail.fill(0)
        return out
      }),

    hmacSha256: (rawKey, data) =>
      settle(() => {
        assertHmacArgs(rawKey, data)
        return new Uint8Array(nc.createHmac('sha256', rawKey).update(data).digest())
      }),

    sha256: (data) =>
      settle(() => {
        assertDigestArgs(data)
        return new Uint8Array(nc.createHash('sha256').update(data).digest())
      }),

    randomBytes(n) {
      assertRandomLength(n)
      if (n > POOL_BYTES) return nc.randomFillSync(new Uint8Array(n))
      // One randomFillSync per IV was the largest single cost of creating entities in the benchmark
      // (a system call per 12 bytes): bytes are drawn 4 KiB at a time and each handed out once, then
      // zeroed in the pool.
      if (poolOffset + n > pool.length) {
        pool = nc.randomFillSync(new Uint8Array(POOL_BYTES))
        poolOffset = 0
      }
      const out = pool.slice(poolOffset, poolOffset + n)
      pool.fill(0, poolOffset, poolOffset + n)
      poolOffset += n
      return out
    },
  }
}

const POOL_BYTES = 4096
let pool = new Uint8Array(0)
let poolOffset = 0

/** Runs `f` now and returns its result as a settled promise (a throw becomes a rejection). */
function settle<T>(f: () => T): Promise<T> {
  try {
    return Promise.resolve(f())
  } catch (e) {
    return Promise.reject(e instanceof Error ? e : new Error(String(e)))
  }
}

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  let length = 0
  for (const p of parts) length += p.length
  const out = new Uint8Array(length)
  let offset = 0
  for (const p of parts) {
    out.set(p, offset)
    offset += p.length
  }
  return out
}

function authFailure(cause?: unknown): CryptoError {
  return new CryptoError(
    'CANNOT_DECRYPT',
    'cannot decrypt: authentication failed (wrong key or tampered data)',
    cause === undefined ? undefined : { cause },
  )
}
