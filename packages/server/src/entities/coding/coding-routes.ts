import type { FastifyInstance } from 'fastify'
import { DEFAULT_PAGE_SIZE, ROUTES } from '@cairn/protocol'
import type { EventBus } from '../../events/event-bus.ts'
import { RawJson } from '../../http/raw-json.ts'
import { serveRoute } from '../../http/serve-route.ts'
import type { Storage } from '../../storage/storage.ts'
import { CodingService } from './coding-service.ts'

/**
 * Coding routes (`/code`): create, modify, batches and import, read, filter and match. The rules are
 * in CodingService; every route needs a signed-in caller (serveRoute).
 */
export function registerCodingRoutes(app: FastifyInstance, storage: Storage, events: EventBus): void {
  const service = new CodingService(storage, events)
  const routes = ROUTES.coding
  serveRoute(
    app,
    routes.create,
    async ({ caller, body }) => new RawJson((await service.create(caller, [body]))[0]),
  )
  serveRoute(
    app,
    routes.modify,
    async ({ caller, body }) => new RawJson((await service.modify(caller, [body]))[0]),
  )
  serveRoute(app, routes.createBatch, async ({ caller, body }) =>
    RawJson.array(await service.create(caller, body)),
  )
  serveRoute(app, routes.modifyBatch, async ({ caller, body }) =>
    RawJson.array(await service.modify(caller, body)),
  )
  serveRoute(app, routes.import, ({ caller, body }) => service.import(caller, body))
  serveRoute(app, routes.get, async ({ params }) => new RawJson(await service.get(params.id)))
  serveRoute(app, routes.filter, async ({ body, query }) => {
    const page = await service.filter(body.filter, query.startDocumentId, query.limit ?? DEFAULT_PAGE_SIZE)
    const next = page.nextId === undefined ? '{}' : JSON.stringify({ startKeyDocId: page.nextId })
    return new RawJson(
      `{"pageSize":${page.rows.length},"totalSize":${page.total},"rows":[${page.rows.join(',')}],"nextKeyPair":${next}}`,
    )
  })
  serveRoute(app, routes.match, ({ body }) => service.match(body.filter))
}
