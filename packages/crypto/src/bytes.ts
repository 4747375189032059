import { CryptoError } from './crypto-error.ts'

/**
 * True for a Uint8Array, including one created in another realm (iframe, jsdom test environment), where
 * `instanceof` gives false negatives.
 */
export function isBytes(value: unknown): value is Uint8Array {
  return (
    value instanceof Uint8Array ||
    (ArrayBuffer.isView(value) && Object.prototype.toString.call(value) === '[object Uint8Array]')
  )
}

/**
 * Views `Uint8Array | ArrayBuffer` as bytes without copying. Throws BAD_INPUT on anything else so that
 * a wrong argument fails loudly instead of being encoded as "[object Object]".
 */
export function asBytes(u: Uint8Array | ArrayBuffer): Uint8Array {
  if (isBytes(u)) return u
  if (u instanceof ArrayBuffer || Object.prototype.toString.call(u) === '[object ArrayBuffer]') {
    return new Uint8Array(u)
  }
  throw new CryptoError('BAD_INPUT', 'expected a Uint8Array or an ArrayBuffer')
}

/**
 * Returns bytes WebCrypto accepts (`BufferSource` requires an ArrayBuffer backing, not a
 * SharedArrayBuffer). Avoids a copy in the common case; copies only for shared memory.
 */
export function toBufferSource(u: Uint8Array): Uint8Array<ArrayBuffer> {
  return u.buffer instanceof ArrayBuffer ? (u as Uint8Array<ArrayBuffer>) : new Uint8Array(u)
}
