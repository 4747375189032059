import type { EncryptedEntityDto, EntityType } from '@cairn/protocol'
import type { DocWrite, StoredDoc } from '../../storage/storage.ts'
import { nextRev } from '../shared/revision.ts'
import { indexValues } from './index-values.ts'

/**
 * The write that soft-deletes a stored document (entity types whose descriptor sets `softDelete`:
 * MedTech notifications, whose `getNotification` still answers a deleted one with its `deletionDate`).
 *
 * Why not a tombstone flag: a tombstone (shared/tombstone.ts) drops the content, the delegations and
 * the index rows, and storage answers a `deleted` row as unknown everywhere. A soft deletion is the
 * opposite on each count, so it is an ordinary revision instead: the same document with `deletionDate`
 * and `modified` set to `now` and a new rev, its index rows rewritten as for any write (so its
 * delegates still find it by id and by filter), and the row not marked `deleted`. Everything else about
 * deletion stays shared with tombstones: who may delete (access-policy), the batch in one transaction,
 * the retry on a concurrent write, the `delete` write event. `deletionDate` is not sealed (a field the
 * server manages, docs/protocol.md), so the readers' check of the seal still passes; the server keeps it
 * through later modifications (encrypted-entity-service SERVER_FIELDS).
 */
export function softDeletionWrite(type: EntityType, current: StoredDoc, now: number): DocWrite {
  const { rev: _previous, ...body } = JSON.parse(current.doc) as EncryptedEntityDto
  const next = { ...body, modified: now, deletionDate: now }
  // As EncryptedEntityService.write: the rev hashes the document without its rev, and the stored text
  // is that text with the rev appended.
  const text = JSON.stringify(next)
  const rev = nextRev(current.rev, text)
  return {
    id: current.id,
    rev,
    expectedRev: current.rev,
    doc: `${text.slice(0, -1)},"rev":${JSON.stringify(rev)}}`,
    created: current.created,
    modified: now,
    indexes: indexValues(type, next),
  }
}
