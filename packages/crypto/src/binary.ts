import { asBytes } from './bytes.ts'
import { CryptoError } from './crypto-error.ts'

// Binary <-> text conversions under the MedTech SDK names (the Cairn SDK re-exports them). Each function
// uses Node's Buffer when present (native, fast for multi-megabyte attachments) and falls back to
// portable code in browsers; both paths give identical results and validate their input the same way.

/** The part of Node's Buffer used here, typed structurally so the package needs no Node typings. */
interface NodeBufferish extends Uint8Array {
  toString(encoding?: 'hex' | 'base64' | 'base64url' | 'utf8'): string
}
interface NodeBufferCtor {
  from(data: ArrayBuffer | SharedArrayBuffer, byteOffset: number, length: number): NodeBufferish
  from(data: string, encoding: 'hex' | 'base64'): NodeBufferish
}

// Looked up on every call (a property read) rather than cached at import, so tests can hide it and
// exercise the browser path.
function nodeBuffer(): NodeBufferCtor | undefined {
  return (globalThis as unknown as { Buffer?: NodeBufferCtor }).Buffer
}

function bufferView(b: Uint8Array): NodeBufferish {
  return nodeBuffer()!.from(b.buffer, b.byteOffset, b.byteLength)
}

// Buffer.from(string) may return a slice of Node's shared 8 KiB pool; hand out a plain Uint8Array that
// owns its memory (callers may pass `.buffer` around) and is not a Buffer (so deep equality behaves).
function fromNodeBuffer(b: Uint8Array): Uint8Array<ArrayBuffer> {
  return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.buffer instanceof ArrayBuffer
    ? new Uint8Array(b.buffer)
    : new Uint8Array(b)
}

const HEX_DIGITS = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))
const HEX_RE = /^[0-9a-fA-F]*$/
// Standard alphabet, padding only at the end. Whitespace and URL-safe characters are rejected:
// Buffer silently skips invalid characters, which would turn corrupted data into wrong bytes.
const B64_RE = /^[A-Za-z0-9+/]*={0,2}$/
const B64URL_RE = /^[A-Za-z0-9_-]*={0,2}$/

/** Lower-case hex encoding of bytes (used for keys: hex SPKI / PKCS#8, fingerprints, hashes). */
export function ua2hex(u: Uint8Array | ArrayBuffer): string {
  const bytes = asBytes(u)
  if (nodeBuffer()) return bufferView(bytes).toString('hex')
  let out = ''
  for (let i = 0; i < bytes.length; i++) out += HEX_DIGITS[bytes[i]]
  return out
}

/**
 * Decodes hex (either case) to bytes. Throws CryptoError BAD_INPUT on odd length or a non-hex character,
 * because lenient decoders silently truncate and a truncated key must not look valid.
 */
export function hex2ua(hex: string): Uint8Array<ArrayBuffer> {
  if (typeof hex !== 'string' || hex.length % 2 !== 0 || !HEX_RE.test(hex)) {
    throw new CryptoError('BAD_INPUT', 'invalid hex: expected an even number of hex digits')
  }
  if (nodeBuffer()) return fromNodeBuffer(nodeBuffer()!.from(hex, 'hex'))
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substring(2 * i, 2 * i + 2), 16)
  return out
}

/** UTF-8 encoding of a string (the form every string takes before encryption or signing). */
export function utf8_2ua(s: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(s)
}

// One encoder and decoder for the process (both are stateless between calls); in Node, Buffer's UTF-8
// decoding is used instead of TextDecoder, which costs several times more per small value (the read
// benchmark decodes a few strings per entity).
const encoder = new TextEncoder()
const decoder = new TextDecoder()

/**
 * UTF-8 decoding of bytes. Invalid sequences become U+FFFD (WHATWG default) rather than throwing:
 * authenticated decryption already guarantees integrity of what we decode.
 */
export function ua2utf8(u: Uint8Array | ArrayBuffer): string {
  const bytes = asBytes(u)
  return nodeBuffer() ? bufferView(bytes).toString('utf8') : decoder.decode(bytes)
}

/** Standard base64 (with padding) of bytes: the encoding of every ciphertext and signature. */
export function ua2b64(u: Uint8Array | ArrayBuffer): string {
  const bytes = asBytes(u)
  if (nodeBuffer()) return bufferView(bytes).toString('base64')
  // btoa takes a "binary string"; build it in chunks because spreading a huge array into
  // String.fromCharCode overflows the call stack.
  let binary = ''
  const CHUNK = 0x8000
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + CHUNK) as unknown as number[])
  }
  return btoa(binary)
}

/**
 * Decodes standard base64 (padding optional). Throws CryptoError BAD_INPUT on characters outside the
 * alphabet, misplaced padding or an impossible length, instead of returning partial bytes.
 */
export function b64_2ua(s: string): Uint8Array<ArrayBuffer> {
  if (typeof s !== 'string' || !B64_RE.test(s) || !validB64Length(s)) {
    throw new CryptoError('BAD_INPUT', 'invalid base64')
  }
  if (nodeBuffer()) return fromNodeBuffer(nodeBuffer()!.from(s, 'base64'))
  const binary = atob(s)
  const out = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i)
  return out
}

/** Alias of {@link b64_2ua}, kept because the MedTech SDK exports both names. */
export const b64_2uas: (s: string) => Uint8Array<ArrayBuffer> = b64_2ua

/** URL-safe base64 without padding (RFC 4648 §5), for tokens and ids placed in URLs. */
export function ua2b64Url(u: Uint8Array | ArrayBuffer): string {
  if (nodeBuffer()) return bufferView(asBytes(u)).toString('base64url')
  return ua2b64(u).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/** Decodes URL-safe base64, padded or not. Throws CryptoError BAD_INPUT on invalid input. */
export function b64Url2ua(s: string): Uint8Array<ArrayBuffer> {
  if (typeof s !== 'string' || !B64URL_RE.test(s)) throw new CryptoError('BAD_INPUT', 'invalid base64url')
  return b64_2ua(s.replace(/-/g, '+').replace(/_/g, '/'))
}

/** Decodes hex to a string, reading the bytes as UTF-8 (inverse of {@link string2hex}). */
export function hex2string(hex: string): string {
  return ua2utf8(hex2ua(hex))
}

/** Hex of the UTF-8 bytes of a string; UTF-8 rather than char codes so any string round-trips. */
export function string2hex(s: string): string {
  return ua2hex(utf8_2ua(s))
}

// Base64 groups 4 chars per 3 bytes: an unpadded length of 1 mod 4 cannot occur, and padding is only
// valid when it completes the last group.
function validB64Length(s: string): boolean {
  if (s.endsWith('=')) return s.length % 4 === 0
  return s.length % 4 !== 1
}
