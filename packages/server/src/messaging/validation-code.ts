import { createHmac, hkdfSync, randomInt, timingSafeEqual } from 'node:crypto'
import { MAX_CODE_LENGTH, MIN_CODE_LENGTH } from '@cairn/protocol'

/** The one answer of every failed validation: unknown, expired, dead, consumed or wrong. */
export const INVALID_CODE = 'Invalid or expired validation code'

/** A request id as MedTech's SDK makes it: a UUID. */
const REQUEST_ID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/
/** What a code may look like: digits, of an allowed length. */
const CODE = new RegExp(`^[0-9]{${MIN_CODE_LENGTH},${MAX_CODE_LENGTH}}$`)

/**
 * A random code of `length` digits, each drawn with `crypto.randomInt` (uniform, no modulo bias): the
 * secret a person receives by email or SMS.
 */
export function generateCode(length: number): string {
  let code = ''
  for (let i = 0; i < length; i++) code += String(randomInt(0, 10))
  return code
}

/** Whether `secret` has the shape of a validation code (so that a login tries it as one). */
export function looksLikeCode(secret: string): boolean {
  return CODE.test(secret)
}

/** Whether `id` is a request id the gateway accepts (a UUID, lower- or upper-case). */
export function isRequestId(id: string): boolean {
  return REQUEST_ID.test(id)
}

/**
 * `{requestId}-{code}`, MedTech's validation path segment: the code is what follows the last `-` (a
 * UUID has dashes of its own). Undefined when either part does not have its shape.
 */
export function parseValidation(validation: string): { requestId: string; code: string } | undefined {
  const dash = validation.lastIndexOf('-')
  if (dash <= 0) return undefined
  const requestId = validation.slice(0, dash)
  const code = validation.slice(dash + 1)
  if (!isRequestId(requestId) || !looksLikeCode(code)) return undefined
  return { requestId: requestId.toLowerCase(), code }
}

/**
 * Hashes validation codes for storage: HMAC-SHA-256 of `requestId:code` under a key derived (HKDF) from
 * the server's secret. The database never holds a code: a dump or a backup does not let anyone log in,
 * and a code guessed for one request says nothing about another. Every instance of a deployment shares
 * the secret (the JWT secret), so any of them checks a code another one sent.
 */
export class ValidationCodeHasher {
  private readonly key_: Buffer

  constructor(serverSecret: string) {
    this.key_ = Buffer.from(hkdfSync('sha256', serverSecret, 'cairn', 'cairn validation codes v1', 32))
  }

  /** The stored form of `code` for request `requestId` (base64url). */
  hash(requestId: string, code: string): string {
    return createHmac('sha256', this.key_).update(`${requestId.toLowerCase()}:${code}`).digest('base64url')
  }

  /**
   * A keyed hash of `value` for `purpose` (base64url), e.g. the throttle key of a recipient: counts that
   * every instance shares without the table holding email addresses or phone numbers in clear.
   */
  key(purpose: string, value: string): string {
    return createHmac('sha256', this.key_).update(`${purpose}\u0000${value}`).digest('base64url')
  }

  /** Whether `code` is the code of `requestId` whose hash is `stored` (constant time). */
  matches(requestId: string, code: string, stored: string): boolean {
    const expected = Buffer.from(this.hash(requestId, code))
    const actual = Buffer.from(stored)
    return expected.length === actual.length && timingSafeEqual(expected, actual)
  }
}
