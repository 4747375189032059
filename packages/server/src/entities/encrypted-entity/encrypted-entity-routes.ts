import type { FastifyInstance } from 'fastify'
import { DEFAULT_PAGE_SIZE, ENTITY_ROUTES, ENTITY_TYPES } from '@cairn/protocol'
import type { EventBus } from '../../events/event-bus.ts'
import type { AuditSink } from '../../audit/audit-log.ts'
import { assertFiltersMatchDescriptor } from '../../filters/filter-registry.ts'
import { filterTypeGuard, paginatedListJson } from '../../filters/filter-type-guard.ts'
import { RawJson } from '../../http/raw-json.ts'
import { serveRoute } from '../../http/serve-route.ts'
import type { Storage } from '../../storage/storage.ts'
import { EncryptedEntityService } from './encrypted-entity-service.ts'
import { EntityDeletion } from './entity-deletion.ts'

/**
 * Registers the routes of every encrypted entity type, from the route table the protocol derives from
 * the entity descriptors: create, modify/share, their batch variants, get by id, delete (one or a
 * batch) and the filter route. Stored documents are answered as the JSON text they were stored as.
 */
export function registerEncryptedEntityRoutes(
  app: FastifyInstance,
  storage: Storage,
  events: EventBus,
  /** Where reads are recorded (absent: the access log is off). */
  audit?: AuditSink,
): void {
  for (const type of ENTITY_TYPES) {
    const service = new EncryptedEntityService(storage, events, type, audit)
    const routes = ENTITY_ROUTES[type]
    serveRoute(app, routes.create, async ({ caller, body }) => {
      const [doc] = await service.create(caller, [body])
      return new RawJson(doc)
    })
    serveRoute(app, routes.modify, async ({ caller, body }) => {
      const [doc] = await service.modify(caller, [body])
      return new RawJson(doc)
    })
    serveRoute(app, routes.createBatch, async ({ caller, body }) =>
      RawJson.array(await service.create(caller, body)),
    )
    serveRoute(app, routes.modifyBatch, async ({ caller, body }) =>
      RawJson.array(await service.modify(caller, body)),
    )
    serveRoute(
      app,
      routes.get,
      async ({ caller, params }) => new RawJson(await service.get(caller, params.id)),
    )
    const deletion = new EntityDeletion(storage, events, type)
    serveRoute(app, routes.delete, async ({ caller, params }) => {
      const [deleted] = await deletion.delete(caller, [params.id])
      return deleted
    })
    serveRoute(app, routes.deleteBatch, ({ caller, body }) => deletion.delete(caller, body.ids))
    assertFiltersMatchDescriptor(type)
    const guard = { preValidation: filterTypeGuard(type) }
    serveRoute(
      app,
      routes.filter,
      async ({ caller, body, query }) =>
        new RawJson(
          paginatedListJson(
            await service.filter(
              caller,
              body.filter,
              query.startDocumentId,
              query.limit ?? DEFAULT_PAGE_SIZE,
            ),
          ),
        ),
      guard,
    )
    serveRoute(app, routes.match, ({ caller, body }) => service.match(caller, body.filter), guard)
  }
}
