import {
  ENTITY_DESCRIPTORS,
  isSoftDeleted,
  type DeletionDto,
  type EncryptedEntityDto,
  type EntityType,
} from '@cairn/protocol'
import type { Caller } from '../../auth/caller.ts'
import {
  accessorsOf,
  assertCanDeleteEntity,
  assertNoUserActsAs,
  canReadEntity,
  entityNotFound,
  requireDataOwner,
} from '../../access/access-policy.ts'
import type { EventBus } from '../../events/event-bus.ts'
import type { Storage } from '../../storage/storage.ts'
import { retryOnRace } from '../shared/retry-on-race.ts'
import { tombstoneWrite } from '../shared/tombstone.ts'
import { assertUniqueIds } from '../shared/unique-ids.ts'
import { softDeletionWrite } from './soft-deletion.ts'

/**
 * Deletion of encrypted entities (one instance per entity type): each is replaced by a tombstone
 * (shared/tombstone.ts) in one transaction for the whole batch, all or nothing. A deleted entity
 * answers as an unknown id everywhere afterwards: get, modify, share, filters, and a second deletion.
 * Types whose descriptor sets `softDelete` (notifications) get a soft deletion instead
 * (soft-deletion.ts): the document stays, with `deletionDate` set and a new rev; deleting it again
 * changes nothing and answers its current rev.
 */
export class EntityDeletion {
  constructor(
    private readonly storage: Storage,
    private readonly events: EventBus,
    readonly type: EntityType,
  ) {}

  /**
   * Deletes entities; answers each id with the rev of its tombstone (soft deletion: of the revision
   * carrying its deletionDate). Checks run in passes over the
   * whole batch, so that the answer does not depend on the order of the ids: (1) every id names a
   * live entity the caller may read (404 otherwise, the answer for an unknown id); (2) the caller may
   * delete each (access-policy); (3) a patient is not the data owner of a live user (409). A write
   * that committed in between is answered by reading again (retryOnRace).
   */
  async delete(caller: Caller, ids: readonly string[]): Promise<DeletionDto[]> {
    requireDataOwner(caller)
    assertUniqueIds(ids)
    return retryOnRace(async () => {
      const stored = new Map((await this.storage.getDocs(this.type, ids)).map((s) => [s.id, s]))
      const found = ids.map((id) => {
        const current = stored.get(id)
        if (!current || current.deleted) throw entityNotFound(this.type, id)
        const doc = JSON.parse(current.doc) as EncryptedEntityDto
        if (!canReadEntity(caller, this.type, doc)) throw entityNotFound(this.type, id)
        return { current, doc }
      })
      for (const { doc } of found) assertCanDeleteEntity(caller, this.type, doc)
      const dataOwner = ENTITY_DESCRIPTORS[this.type].dataOwner
      if (dataOwner) {
        for (const { current } of found) {
          const users = await this.storage.findUsersByDataOwner(current.id)
          assertNoUserActsAs(
            this.type,
            current.id,
            users.map((u) => u.id),
          )
        }
      }
      const now = Date.now()
      const soft = isSoftDeleted(this.type)
      // A soft-deleted document deleted again is left as it is (its first deletionDate stays).
      const pending = soft ? found.filter(({ doc }) => doc.deletionDate === undefined) : found
      const writes = pending.map(({ current }) =>
        soft
          ? softDeletionWrite(this.type, current, now)
          : tombstoneWrite(current, now, { keepPublicKeys: dataOwner }),
      )
      if (writes.length > 0) await this.storage.updateDocs(this.type, writes)
      this.events.emit(
        pending.map(({ doc }, i) => ({
          kind: 'delete' as const,
          entityType: this.type,
          id: doc.id,
          rev: writes[i].rev,
          actor: { userId: caller.userId, dataOwnerId: caller.dataOwnerId },
          requestId: caller.requestId,
          // After a tombstone nobody has access: the event names those who had, who are told (a soft
          // deletion keeps them).
          delegates: accessorsOf(doc),
          at: now,
        })),
      )
      const revs = new Map(writes.map((w) => [w.id, w.rev]))
      return found.map(({ current }) => ({ id: current.id, rev: revs.get(current.id) ?? current.rev }))
    })
  }
}
