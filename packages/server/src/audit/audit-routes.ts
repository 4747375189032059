import type { FastifyInstance } from 'fastify'
import { ROUTES } from '@cairn/protocol'
import { serveRoute } from '../http/serve-route.ts'
import type { Storage } from '../storage/storage.ts'
import { AuditService } from './audit-service.ts'

/** Registers the access-log routes: the admins' listing and each data owner's own (audit-service.ts). */
export function registerAuditRoutes(app: FastifyInstance, storage: Storage): void {
  const service = new AuditService(storage)
  serveRoute(app, ROUTES.audit.list, ({ caller, query }) => service.list(caller, query))
  serveRoute(app, ROUTES.audit.accessLog, ({ caller, params, query }) =>
    service.accessLog(caller, params.dataOwnerId, query),
  )
}
