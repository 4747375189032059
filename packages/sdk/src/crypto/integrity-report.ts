/**
 * An entity a list left out (protocol v2, strict decryption): `withheld` when the current data owner
 * holds no usable key for it (e.g. shared with a key it has since lost), `integrity` when it holds a key
 * but the entity does not verify (tampering, substitution, rollback, not linked to what was asked).
 */
export interface IntegrityReport {
  kind: 'integrity' | 'withheld'
  entityType: string
  entityId: string
  reason: string
}

/** What the app sets with `withIntegrityFailureHandler`: called once per entity left out of a list. */
export type IntegrityFailureHandler = (report: IntegrityReport) => void

/**
 * The default handler: one console warning per entity and reason for the life of the API instance, so
 * that a tampered list is visible without flooding the console when it is read again.
 */
export function warnOncePerEntity(): IntegrityFailureHandler {
  const seen = new Set<string>()
  return (r) => {
    const key = `${r.kind}:${r.entityType}:${r.entityId}:${r.reason}`
    if (seen.has(key)) return
    if (seen.size > 10_000) seen.clear()
    seen.add(key)
    console.warn(
      r.kind === 'withheld'
        ? `[cairn] ${r.entityType} ${r.entityId} left out of the list: ${r.reason} (content withheld)`
        : `[cairn] ${r.entityType} ${r.entityId} left out of the list: integrity check failed: ${r.reason}`,
    )
  }
}
