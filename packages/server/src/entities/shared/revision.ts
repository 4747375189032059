import { createHash } from 'node:crypto'

/** Number part of a rev `<n>-<hash>`; 0 when absent or malformed. */
export function revNumber(rev: string | undefined): number {
  const n = rev ? Number.parseInt(rev.split('-')[0], 10) : 0
  return Number.isFinite(n) ? n : 0
}

/**
 * Next revision of a document: `<n+1>-<hash>` where the hash (32 hex chars of SHA-256 of the JSON
 * text) makes two different writes of the same generation distinguishable.
 */
export function nextRev(previous: string | undefined, json: string): string {
  const hash = createHash('sha256').update(json).digest('hex').slice(0, 32)
  return `${revNumber(previous) + 1}-${hash}`
}

/** JSON with object keys sorted, to compare documents whatever their key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  )
}
