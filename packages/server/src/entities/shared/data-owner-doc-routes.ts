import type { FastifyInstance } from 'fastify'
import { ROUTES } from '@cairn/protocol'
import { RawJson } from '../../http/raw-json.ts'
import { serveRoute } from '../../http/serve-route.ts'
import type { DataOwnerDocService } from './data-owner-doc-service.ts'

/** Create, modify and read routes of a clear data-owner document type (`/hcparty`, `/device`). */
export function registerDataOwnerDocRoutes(app: FastifyInstance, service: DataOwnerDocService): void {
  const routes = ROUTES[service.kind]
  serveRoute(app, routes.create, async ({ caller, body }) => new RawJson(await service.create(caller, body)))
  serveRoute(app, routes.modify, async ({ caller, body }) => new RawJson(await service.modify(caller, body)))
  serveRoute(app, routes.get, async ({ params }) => new RawJson(await service.get(params.id)))
}
