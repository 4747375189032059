import type { FastifyInstance } from 'fastify'
import { ROUTES } from '@cairn/protocol'
import { serveRoute } from '../../http/serve-route.ts'
import type { Storage } from '../../storage/storage.ts'
import { DataOwnerService } from './data-owner-service.ts'

/** `GET /dataowner/current` and `GET /dataowner/{id}`. */
export function registerDataOwnerRoutes(app: FastifyInstance, storage: Storage): void {
  const service = new DataOwnerService(storage)
  serveRoute(app, ROUTES.currentDataOwner, ({ caller }) => service.current(caller))
  serveRoute(app, ROUTES.getDataOwner, ({ caller, params }) => service.get(caller, params.id))
}
