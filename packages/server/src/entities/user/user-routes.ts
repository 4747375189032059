import type { FastifyInstance } from 'fastify'
import { ROUTES } from '@cairn/protocol'
import type { EventBus } from '../../events/event-bus.ts'
import { serveRoute } from '../../http/serve-route.ts'
import type { Storage } from '../../storage/storage.ts'
import { UserService } from './user-service.ts'

/** User routes: current user, read, create, modify, tokens and automatic sharing. */
export function registerUserRoutes(app: FastifyInstance, storage: Storage, events: EventBus): void {
  const service = new UserService(storage, events)
  serveRoute(app, ROUTES.currentUser, ({ caller }) => service.get(caller, caller.userId))
  serveRoute(app, ROUTES.getUser, ({ caller, params }) => service.get(caller, params.id))
  serveRoute(app, ROUTES.createUser, ({ caller, body }) => service.create(caller, body))
  serveRoute(app, ROUTES.modifyUser, ({ caller, body }) => service.modify(caller, body))
  serveRoute(app, ROUTES.createToken, async ({ caller, params, body }) => ({
    token: await service.createToken(caller, params.id, body.validity),
  }))
  serveRoute(app, ROUTES.addSharing, ({ caller, body }) =>
    service.changeSharing(caller, body.dataOwnerIds, body.type, true),
  )
  serveRoute(app, ROUTES.removeSharing, ({ caller, body }) =>
    service.changeSharing(caller, body.dataOwnerIds, body.type, false),
  )
}
