import type { FastifyReply } from 'fastify'
import type { DocPage } from './encrypted-entity-service.ts'

/**
 * Sends stored JSON texts without parsing and re-serialising them: documents are kept as the JSON
 * text they were written as, so reads cost no JSON work on the server.
 */
export function sendJsonArray(reply: FastifyReply, docs: string[]): FastifyReply {
  return reply.type('application/json; charset=utf-8').send(`[${docs.join(',')}]`)
}

/** Sends one stored JSON document as is. */
export function sendJson(reply: FastifyReply, doc: string): FastifyReply {
  return reply.type('application/json; charset=utf-8').send(doc)
}

/** Sends a paginated list (MedTech `PaginatedList` shape) made of stored JSON texts. */
export function sendPage(reply: FastifyReply, p: DocPage): FastifyReply {
  const next = p.nextId ? `{"startKeyDocId":${JSON.stringify(p.nextId)}}` : '{}'
  return reply
    .type('application/json; charset=utf-8')
    .send(
      `{"pageSize":${p.rows.length},"totalSize":${p.rows.length},"rows":[${p.rows.join(',')}],"nextKeyPair":${next}}`,
    )
}
