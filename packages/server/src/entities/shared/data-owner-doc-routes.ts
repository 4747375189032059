import type { FastifyInstance } from 'fastify'
import { DEFAULT_PAGE_SIZE, ROUTES } from '@cairn/protocol'
import { assertFiltersMatchDescriptor } from '../../filters/filter-registry.ts'
import { filterTypeGuard, paginatedListJson } from '../../filters/filter-type-guard.ts'
import { RawJson } from '../../http/raw-json.ts'
import { serveRoute } from '../../http/serve-route.ts'
import type { DataOwnerDocService } from './data-owner-doc-service.ts'
import { DirectorySearch } from './directory-search.ts'

/** Create, modify, read, delete, filter and match routes of a clear data-owner document type (`/hcparty`, `/device`). */
export function registerDataOwnerDocRoutes(app: FastifyInstance, service: DataOwnerDocService): void {
  const routes = ROUTES[service.kind]
  serveRoute(app, routes.create, async ({ caller, body }) => new RawJson(await service.create(caller, body)))
  serveRoute(app, routes.modify, async ({ caller, body }) => new RawJson(await service.modify(caller, body)))
  serveRoute(app, routes.get, async ({ params }) => new RawJson(await service.get(params.id)))
  serveRoute(app, routes.delete, async ({ caller, params }) => {
    const [deleted] = await service.delete(caller, [params.id])
    return deleted
  })
  assertFiltersMatchDescriptor(service.kind)
  const search = new DirectorySearch(service.storage, service.kind)
  const guard = { preValidation: filterTypeGuard(service.kind) }
  serveRoute(
    app,
    routes.filter,
    async ({ caller, body, query }) =>
      new RawJson(
        paginatedListJson(
          await search.filter(caller, body.filter, query.startDocumentId, query.limit ?? DEFAULT_PAGE_SIZE),
        ),
      ),
    guard,
  )
  serveRoute(app, routes.match, ({ caller, body }) => search.match(caller, body.filter), guard)
}
