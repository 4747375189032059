import type { DocWrite, StoredDoc } from '../../storage/storage.ts'
import { nextRev } from './revision.ts'

/** The key fields of a data owner's `systemMetaData`: what others need to verify what it signed. */
const KEY_FIELDS = ['publicKey', 'publicKeysForOaepWithSha256', 'keyStatements'] as const

/**
 * The write replacing a stored document by its tombstone. The row stays (`deleted` set), so its id is
 * never reused: a create with it is a 409, and a data owner's id stays claimed. The document keeps
 * only `id`, `created`, `modified`, `deletionDate` and a new `rev`: no content, no `encryptedSelf`,
 * no delegations, no clear fields. A data owner's tombstone (`keepPublicKeys`: patients, professionals,
 * devices) also keeps its public keys and key statements, public anyway, so that the exchange keys it
 * signed still verify for the data owners it shared data with. The write carries no index values:
 * storage drops the document's index rows, so filters and their counts no longer find it.
 */
export function tombstoneWrite(
  current: StoredDoc,
  now: number,
  options: { keepPublicKeys: boolean },
): DocWrite {
  const body: Record<string, unknown> = {
    id: current.id,
    created: current.created,
    modified: now,
    deletionDate: now,
  }
  if (options.keepPublicKeys) {
    const meta = (JSON.parse(current.doc) as { systemMetaData?: Record<string, unknown> }).systemMetaData
    const keys = Object.fromEntries(
      KEY_FIELDS.filter((k) => meta?.[k] !== undefined && meta[k] !== null).map((k) => [k, meta![k]]),
    )
    if (Object.keys(keys).length > 0) body.systemMetaData = keys
  }
  const text = JSON.stringify(body)
  const rev = nextRev(current.rev, text)
  return {
    id: current.id,
    rev,
    expectedRev: current.rev,
    doc: JSON.stringify({ ...body, rev }),
    created: current.created,
    modified: now,
    deleted: true,
    indexes: {},
  }
}
