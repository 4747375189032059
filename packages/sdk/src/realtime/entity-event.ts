import type { EncryptedEntityDto, EntityType, EventMessage } from '@cairn/protocol'
import { SdkError } from '../http/sdk-error.ts'
import type { EncryptedEntityStore, EntityModel } from '../api/encrypted-entity-store.ts'
import { ENTITY_KINDS } from '../api/entity-models.ts'

/** The fields a tombstone keeps (server shared/tombstone.ts): all a DELETE of a deleted record can show. */
const TOMBSTONE_FIELDS = ['id', 'rev', 'created', 'modified', 'deletionDate'] as const

/**
 * The record of an event on an encrypted entity, opened as a get opens it (decrypted and verified:
 * an entity that does not verify rejects with an IntegrityError). `decrypted` is false when the
 * reader holds no key for it (content withheld) and for the tombstone of a deletion, which has no
 * content left (its model has only the id, rev, dates and `deletionDate`).
 */
export async function openEventEntity<M extends EntityModel>(
  store: EncryptedEntityStore<M>,
  type: EntityType,
  event: EventMessage,
): Promise<{ model: M; decrypted: boolean }> {
  const entity = event.entity
  if (!entity || typeof entity !== 'object' || entity.id !== event.id)
    throw new SdkError('INTERNAL', `The realtime event of ${type} ${event.id} does not carry that ${type}`)
  if (event.eventType === 'DELETE' && !hasContent(entity)) {
    const clear: Record<string, unknown> = {}
    for (const field of TOMBSTONE_FIELDS) if (entity[field] !== undefined) clear[field] = entity[field]
    return { model: ENTITY_KINDS[type].fromJson(clear) as M, decrypted: false }
  }
  const { model, decrypted } = await store.decrypt(entity as unknown as EncryptedEntityDto)
  return { model, decrypted }
}

/** True if the record still has encrypted content (not a tombstone). */
function hasContent(entity: Record<string, unknown>): boolean {
  const meta = entity.systemMetaData as { encryptedSelf?: unknown } | undefined
  return typeof meta?.encryptedSelf === 'string'
}
