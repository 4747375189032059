import { CryptoError } from './crypto-error.ts'

/**
 * Canonical JSON of a JSON value: object keys sorted by code unit, no whitespace, `undefined` members
 * dropped (as JSON.stringify does). Two equal values give the same string whatever the key order the
 * server returns them in, so a hash over it authenticates content rather than formatting. Non-finite
 * numbers, functions and other non-JSON values are refused rather than silently changed.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value)
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new CryptoError('BAD_INPUT', 'cannot seal a non-finite number')
    return JSON.stringify(value)
  }
  if (Array.isArray(value))
    return '[' + value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',') + ']'
  if (typeof value === 'object') {
    const entries = Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => JSON.stringify(k) + ':' + canonicalJson((value as Record<string, unknown>)[k]))
    return '{' + entries.join(',') + '}'
  }
  throw new CryptoError('BAD_INPUT', `cannot seal a value of type ${typeof value}`)
}
