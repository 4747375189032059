import type { FastifyInstance } from 'fastify'
import { ROUTES } from '@cairn/protocol'
import type { EventBus } from '../../events/event-bus.ts'
import { RawJson } from '../../http/raw-json.ts'
import { serveRoute } from '../../http/serve-route.ts'
import type { Storage } from '../../storage/storage.ts'
import { DataOwnerDocService } from '../shared/data-owner-doc-service.ts'
import { registerDataOwnerDocRoutes } from '../shared/data-owner-doc-routes.ts'

/**
 * Medical devices (`/device`): data owners whose documents are not encrypted. Besides the routes of
 * every data-owner document, MedTech's bulk routes: create, modify and delete in one transaction.
 */
export function registerMedicalDeviceRoutes(app: FastifyInstance, storage: Storage, events: EventBus): void {
  const service = new DataOwnerDocService(storage, events, 'medicalDevice')
  registerDataOwnerDocRoutes(app, service)
  const routes = ROUTES.medicalDevice
  serveRoute(app, routes.createBatch, async ({ caller, body }) =>
    RawJson.array(await service.createMany(caller, body)),
  )
  serveRoute(app, routes.modifyBatch, async ({ caller, body }) =>
    RawJson.array(await service.modifyMany(caller, body)),
  )
  serveRoute(app, routes.deleteBatch, ({ caller, body }) => service.delete(caller, body.ids))
}
