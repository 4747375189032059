import type { FastifyInstance } from 'fastify'
import { IdParamsSchema } from '@cairn/protocol'
import type { Storage } from '../../storage/storage.ts'
import { callerOf } from '../shared/encrypted-entity-routes.ts'
import { DataOwnerService } from './data-owner-service.ts'

/** `GET /dataowner/current` and `GET /dataowner/{id}`. */
export function registerDataOwnerRoutes(app: FastifyInstance, storage: Storage): DataOwnerService {
  const service = new DataOwnerService(storage)
  app.get('/dataowner/current', { schema: { tags: ['dataOwner'] } }, async (req) =>
    service.current(callerOf(req)),
  )
  app.get('/dataowner/:id', { schema: { tags: ['dataOwner'], params: IdParamsSchema } }, async (req) =>
    service.get(callerOf(req), (req.params as { id: string }).id),
  )
  return service
}
