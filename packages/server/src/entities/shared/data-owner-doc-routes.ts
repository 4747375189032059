import type { FastifyInstance } from 'fastify'
import { DataOwnerDocSchema, IdParamsSchema, type DataOwnerDocDto } from '@cairn/protocol'
import type { DataOwnerDocService } from './data-owner-doc-service.ts'
import { callerOf } from './encrypted-entity-routes.ts'
import { sendJson } from './json-reply.ts'

/** Create, modify and read routes of a clear data-owner document type under `base`. */
export function registerDataOwnerDocRoutes(
  app: FastifyInstance,
  base: string,
  service: DataOwnerDocService,
): void {
  const tags = [service.kind]
  app.post(base, { schema: { tags, body: DataOwnerDocSchema } }, async (req, reply) =>
    sendJson(reply, await service.create(callerOf(req), req.body as DataOwnerDocDto)),
  )
  app.put(base, { schema: { tags, body: DataOwnerDocSchema } }, async (req, reply) =>
    sendJson(reply, await service.modify(callerOf(req), req.body as DataOwnerDocDto)),
  )
  app.get(`${base}/:id`, { schema: { tags, params: IdParamsSchema } }, async (req, reply) => {
    callerOf(req)
    return sendJson(reply, await service.get((req.params as { id: string }).id))
  })
}
