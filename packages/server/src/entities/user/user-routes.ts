import type { FastifyInstance } from 'fastify'
import {
  CreateTokenSchema,
  IdParamsSchema,
  SharingChangeSchema,
  UserWriteSchema,
  type SharingChangeDto,
  type UserWriteDto,
} from '@cairn/protocol'
import type { Storage } from '../../storage/storage.ts'
import { callerOf } from '../shared/encrypted-entity-routes.ts'
import { UserService } from './user-service.ts'

/** User routes: current user, read, create, modify, tokens and automatic sharing. */
export function registerUserRoutes(app: FastifyInstance, storage: Storage): UserService {
  const service = new UserService(storage)
  const tags = ['user']
  app.get('/user/current', { schema: { tags } }, async (req) => {
    const caller = callerOf(req)
    return service.get(caller, caller.userId)
  })
  app.get('/user/:id', { schema: { tags, params: IdParamsSchema } }, async (req) =>
    service.get(callerOf(req), (req.params as { id: string }).id),
  )
  app.post('/user', { schema: { tags, body: UserWriteSchema } }, async (req) =>
    service.create(callerOf(req), req.body as UserWriteDto),
  )
  app.put('/user', { schema: { tags, body: UserWriteSchema } }, async (req) =>
    service.modify(callerOf(req), req.body as UserWriteDto),
  )
  app.post(
    '/user/:id/token',
    { schema: { tags, params: IdParamsSchema, body: CreateTokenSchema } },
    async (req) => {
      const { validity } = (req.body ?? {}) as { validity?: number }
      return { token: await service.createToken(callerOf(req), (req.params as { id: string }).id, validity) }
    },
  )
  app.post('/user/current/sharing/add', { schema: { tags, body: SharingChangeSchema } }, async (req) => {
    const { dataOwnerIds, type } = req.body as SharingChangeDto
    return service.changeSharing(callerOf(req), dataOwnerIds, type, true)
  })
  app.post('/user/current/sharing/remove', { schema: { tags, body: SharingChangeSchema } }, async (req) => {
    const { dataOwnerIds, type } = req.body as SharingChangeDto
    return service.changeSharing(callerOf(req), dataOwnerIds, type, false)
  })
  return service
}
