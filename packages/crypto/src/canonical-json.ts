import { CryptoError } from './crypto-error.ts'

const MAX_DEPTH = 100

/**
 * Canonical JSON of a JSON value: object keys sorted by code unit, no whitespace, `undefined` members
 * dropped (as JSON.stringify does). Two equal values give the same string whatever the key order the
 * server returns them in, so a hash over it authenticates content rather than formatting. Non-finite
 * numbers, functions and other non-JSON values are refused rather than silently changed.
 */
export function canonicalJson(value: unknown, depth = 0): string {
  // Entities nest a few levels (a sample's compound content); 100 stops a document built to exhaust
  // the stack with a clear error instead of a RangeError.
  if (depth > MAX_DEPTH)
    throw new CryptoError('BAD_INPUT', `cannot seal a value nested deeper than ${MAX_DEPTH}`)
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value)
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new CryptoError('BAD_INPUT', 'cannot seal a non-finite number')
    return JSON.stringify(value)
  }
  if (Array.isArray(value))
    return '[' + value.map((v) => (v === undefined ? 'null' : canonicalJson(v, depth + 1))).join(',') + ']'
  if (typeof value === 'object') {
    const entries = Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => JSON.stringify(k) + ':' + canonicalJson((value as Record<string, unknown>)[k], depth + 1))
    return '{' + entries.join(',') + '}'
  }
  throw new CryptoError('BAD_INPUT', `cannot seal a value of type ${typeof value}`)
}
