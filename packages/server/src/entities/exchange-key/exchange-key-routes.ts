import type { FastifyInstance } from 'fastify'
import { ROUTES } from '@cairn/protocol'
import type { EventBus } from '../../events/event-bus.ts'
import { serveRoute } from '../../http/serve-route.ts'
import type { Storage } from '../../storage/storage.ts'
import { ExchangeKeyService } from './exchange-key-service.ts'

/**
 * `POST /exchangekey`, `PUT /exchangekey/{id}/recipients`, `GET /exchangekey/counterparts` and
 * `GET /exchangekey/{delegator}/{delegate}`.
 */
export function registerExchangeKeyRoutes(app: FastifyInstance, storage: Storage, events: EventBus): void {
  const service = new ExchangeKeyService(storage, events)
  serveRoute(app, ROUTES.createExchangeKey, ({ caller, body }) => service.create(caller, body))
  serveRoute(app, ROUTES.addExchangeKeyRecipients, ({ caller, params, body }) =>
    service.addRecipients(caller, params.id, body),
  )
  serveRoute(app, ROUTES.getExchangeKeyCounterparts, ({ caller }) => service.counterparts(caller))
  serveRoute(app, ROUTES.getExchangeKeys, ({ caller, params }) =>
    service.forPair(caller, params.delegator, params.delegate),
  )
}
