import type { FastifyInstance } from 'fastify'
import { Type } from '@sinclair/typebox'
import { ExchangeKeySchema, IdSchema, type ExchangeKeyDto } from '@cairn/protocol'
import type { Storage } from '../../storage/storage.ts'
import { callerOf } from '../shared/encrypted-entity-routes.ts'
import { ExchangeKeyService } from './exchange-key-service.ts'

const PairParams = Type.Object({ delegator: IdSchema, delegate: IdSchema })

/** `POST /exchangekey` and `GET /exchangekey/{delegator}/{delegate}`. */
export function registerExchangeKeyRoutes(app: FastifyInstance, storage: Storage): ExchangeKeyService {
  const service = new ExchangeKeyService(storage)
  app.post('/exchangekey', { schema: { tags: ['exchangeKey'], body: ExchangeKeySchema } }, async (req) =>
    service.create(callerOf(req), req.body as ExchangeKeyDto),
  )
  app.get(
    '/exchangekey/:delegator/:delegate',
    { schema: { tags: ['exchangeKey'], params: PairParams } },
    async (req) => {
      const { delegator, delegate } = req.params as { delegator: string; delegate: string }
      return service.forPair(callerOf(req), delegator, delegate)
    },
  )
  return service
}
