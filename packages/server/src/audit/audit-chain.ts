import { hash as oneShotHash } from 'node:crypto'
import type { AuditChainPoint, AuditRecord, AuditStore, StoredAuditEntry } from '../storage/audit-store.ts'
import { AUDIT_GENESIS_HASH } from '../storage/audit-migration.ts'

export { AUDIT_GENESIS_HASH }

/**
 * The canonical encoding of an entry, which its hash covers (docs/audit.md): the JSON text (as
 * `JSON.stringify` writes it: no spaces, strings escaped) of the array
 * `[prevHash, seq, at, action, actorUserId, actorDataOwnerId, entityType, entityId, requestId,
 * clientAddress]`, where `seq` is its decimal digits as a string, `at` a number (epoch ms) and an
 * absent column `null`. An array, not an object: the order of the fields is fixed by position, so
 * nothing depends on how an implementation orders keys.
 */
export function canonicalAuditEntry(prevHash: string, seq: number, entry: AuditRecord): string {
  return JSON.stringify([
    prevHash,
    String(seq),
    entry.at,
    entry.action,
    entry.actorUserId ?? null,
    entry.actorDataOwnerId ?? null,
    entry.entityType ?? null,
    entry.entityId ?? null,
    entry.requestId ?? null,
    entry.clientAddress ?? null,
  ])
}

/** The hash of an entry: SHA-256, in lowercase hex, of its canonical encoding (UTF-8). */
export function auditEntryHash(prevHash: string, seq: number, entry: AuditRecord): string {
  // The one-shot hash (Node 20.12+) costs less than half of a createHash object per entry.
  return oneShotHash('sha256', canonicalAuditEntry(prevHash, seq, entry), 'hex')
}

/** Gives `entries` the seqs and hashes that extend the chain whose newest point is `head`. */
export function chainEntries(head: AuditChainPoint, entries: readonly AuditRecord[]): StoredAuditEntry[] {
  let { seq, hash } = head
  return entries.map((entry) => {
    seq += 1
    const prevHash = hash
    hash = auditEntryHash(prevHash, seq, entry)
    return { ...entry, seq, prevHash, hash }
  })
}

/** Outcome of a verification of the access log. */
export interface AuditChainResult {
  /** True when every entry from the anchor to the head is intact and in place. */
  ok: boolean
  /** Entries checked. */
  checked: number
  /** Where the chain starts (after retention: the last entry it deleted). */
  anchor: AuditChainPoint
  /** The last entry that verified (the anchor when none did): export it elsewhere to detect truncation. */
  head: AuditChainPoint
  /** Seq of the first entry that does not verify (or, for a removed entry, the seq that is missing). */
  brokenAt?: number
  /** Why, in a sentence. */
  reason?: string
}

/** Entries read per page while verifying. */
const SCAN_PAGE = 1000

/** Times a verification starts over when retention moved the anchor under it. */
const ANCHOR_RETRIES = 3

/**
 * Verifies the access log: reads every entry from the anchor on, in seq order, and checks that the
 * seqs follow each other without a gap, that each entry's `prevHash` is the hash of the one before
 * (the anchor's for the first), and that its hash is that of its own columns. Detects an edited entry
 * (its hash no longer matches), a removed one (a gap in the seqs, or a `prevHash` that names another
 * entry) and a reordered one (its seq is covered by its hash, and its `prevHash` names another
 * predecessor). Stops at the first break. What it cannot detect is in docs/audit.md: the newest
 * entries removed, or the whole chain rewritten by someone with write access to the database.
 * `onProgress` is called after each page with the entries checked so far.
 */
export async function verifyAuditChain(
  store: AuditStore,
  onProgress?: (checked: number) => void,
): Promise<AuditChainResult> {
  for (let attempt = 0; ; attempt++) {
    const result = await verifyFrom(store, await store.anchor(), onProgress)
    // Retention deleted entries (and moved the anchor) while this read them: start again from the new
    // anchor rather than report the entries it deleted as removed.
    if (!result.ok && attempt < ANCHOR_RETRIES && (await store.anchor()).seq > result.anchor.seq) continue
    return result
  }
}

async function verifyFrom(
  store: AuditStore,
  anchor: AuditChainPoint,
  onProgress?: (checked: number) => void,
): Promise<AuditChainResult> {
  let previous = anchor
  let checked = 0
  const broken = (brokenAt: number, reason: string): AuditChainResult => ({
    ok: false,
    checked,
    anchor,
    head: previous,
    brokenAt,
    reason,
  })
  for (;;) {
    const page = await store.scan(previous.seq + 1, SCAN_PAGE)
    for (const entry of page) {
      const expected = previous.seq + 1
      if (entry.seq !== expected)
        return broken(expected, `entry ${expected} is missing (the next one is ${entry.seq})`)
      if (entry.prevHash !== previous.hash)
        return broken(
          entry.seq,
          `entry ${entry.seq} does not follow entry ${previous.seq} (prev_hash differs)`,
        )
      if (auditEntryHash(entry.prevHash, entry.seq, entry) !== entry.hash)
        return broken(entry.seq, `entry ${entry.seq} was altered (its hash does not match its columns)`)
      previous = { seq: entry.seq, hash: entry.hash }
      checked++
    }
    onProgress?.(checked)
    if (page.length < SCAN_PAGE) return { ok: true, checked, anchor, head: previous }
  }
}
