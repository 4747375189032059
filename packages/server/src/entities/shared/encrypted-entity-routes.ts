import type { FastifyInstance, FastifyRequest } from 'fastify'
import {
  DEFAULT_PAGE_SIZE,
  EncryptedEntityBatchSchema,
  EncryptedEntitySchema,
  FilterRequestSchema,
  IdParamsSchema,
  PageQuerySchema,
  type EncryptedEntityDto,
  type FilterDto,
} from '@cairn/protocol'
import type { Caller } from '../../auth/caller.ts'
import { badRequest, unauthorized } from '../../http/app-error.ts'
import type { EncryptedEntityService } from './encrypted-entity-service.ts'
import { sendJson, sendJsonArray, sendPage } from './json-reply.ts'

/** The caller set by the authentication hook; routes are only reached authenticated. */
export function callerOf(request: FastifyRequest): Caller {
  if (!request.caller) throw unauthorized('Not authenticated')
  return request.caller
}

/**
 * Registers the HTTP routes of one encrypted entity type under `base` (e.g. `/patient`): create,
 * modify/share, batch variants, get by id and the "for patient" filter. `filterType` is the only
 * filter `$type` this route accepts.
 */
export function registerEncryptedEntityRoutes(
  app: FastifyInstance,
  base: string,
  service: EncryptedEntityService,
  filterType?: FilterDto['$type'],
): void {
  const tags = [service.type]
  app.post(base, { schema: { tags, body: EncryptedEntitySchema } }, async (req, reply) => {
    const [doc] = await service.create(callerOf(req), [req.body as EncryptedEntityDto])
    return sendJson(reply, doc)
  })
  app.put(base, { schema: { tags, body: EncryptedEntitySchema } }, async (req, reply) => {
    const [doc] = await service.modify(callerOf(req), [req.body as EncryptedEntityDto])
    return sendJson(reply, doc)
  })
  app.post(`${base}/batch`, { schema: { tags, body: EncryptedEntityBatchSchema } }, async (req, reply) =>
    sendJsonArray(reply, await service.create(callerOf(req), req.body as EncryptedEntityDto[])),
  )
  app.put(`${base}/batch`, { schema: { tags, body: EncryptedEntityBatchSchema } }, async (req, reply) =>
    sendJsonArray(reply, await service.modify(callerOf(req), req.body as EncryptedEntityDto[])),
  )
  app.get(`${base}/:id`, { schema: { tags, params: IdParamsSchema } }, async (req, reply) =>
    sendJson(reply, await service.get(callerOf(req), (req.params as { id: string }).id)),
  )
  if (filterType) {
    app.post(
      `${base}/filter`,
      { schema: { tags, body: FilterRequestSchema, querystring: PageQuerySchema } },
      async (req, reply) => {
        const { filter } = req.body as { filter: FilterDto }
        if (filter.$type !== filterType)
          throw badRequest(`Unsupported filter ${filter.$type} for ${service.type}`)
        const q = req.query as { startDocumentId?: string; limit?: number }
        return sendPage(
          reply,
          await service.filterByPatient(
            callerOf(req),
            filter,
            q.startDocumentId,
            q.limit ?? DEFAULT_PAGE_SIZE,
          ),
        )
      },
    )
  }
}
