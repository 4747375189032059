import type { FastifyInstance } from 'fastify'
import { DEFAULT_PAGE_SIZE, ENTITY_ROUTES, ENTITY_TYPES } from '@cairn/protocol'
import type { EventBus } from '../../events/event-bus.ts'
import {
  assertFiltersMatchDescriptor,
  declaredFilterTypes,
  isFilterType,
} from '../../filters/filter-registry.ts'
import { badRequest } from '../../http/app-error.ts'
import { RawJson } from '../../http/raw-json.ts'
import { serveRoute } from '../../http/serve-route.ts'
import type { Storage } from '../../storage/storage.ts'
import { EncryptedEntityService } from './encrypted-entity-service.ts'

/**
 * Registers the routes of every encrypted entity type, from the route table the protocol derives from
 * the entity descriptors: create, modify/share, their batch variants, get by id and the filter route.
 * Stored documents are answered as the JSON text they were stored as.
 */
export function registerEncryptedEntityRoutes(
  app: FastifyInstance,
  storage: Storage,
  events: EventBus,
): void {
  for (const type of ENTITY_TYPES) {
    const service = new EncryptedEntityService(storage, events, type)
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
    assertFiltersMatchDescriptor(type)
    const accepted = new Set(declaredFilterTypes(type))
    serveRoute(
      app,
      routes.filter,
      async ({ caller, body, query }) => {
        const page = await service.filter(
          caller,
          body.filter,
          query.startDocumentId,
          query.limit ?? DEFAULT_PAGE_SIZE,
        )
        const next = page.nextId ? `{"startKeyDocId":${JSON.stringify(page.nextId)}}` : '{}'
        return new RawJson(
          `{"pageSize":${page.rows.length},"totalSize":${page.total},"rows":[${page.rows.join(',')}],"nextKeyPair":${next}}`,
        )
      },
      {
        // A filter of another entity type would fail the schema with the errors of every filter this
        // route accepts; it gets one clear message instead.
        preValidation: (request, _reply, done) => {
          const $type = filterTypeOf(request.body)
          done(
            $type && isFilterType($type) && !accepted.has($type)
              ? badRequest(`Unsupported filter ${$type} for ${type}`)
              : undefined,
          )
        },
      },
    )
  }
}

/** The `$type` of the filter in a filter request body, if it has one. */
function filterTypeOf(body: unknown): string | undefined {
  const filter = (body as { filter?: { $type?: unknown } } | null)?.filter
  return typeof filter?.$type === 'string' ? filter.$type : undefined
}
