import type { FastifyInstance } from 'fastify'
import { DEFAULT_PAGE_SIZE, ROUTES } from '@cairn/protocol'
import type { EventBus } from '../../events/event-bus.ts'
import type { AuditSink } from '../../audit/audit-log.ts'
import { serveRoute } from '../../http/serve-route.ts'
import type { Storage } from '../../storage/storage.ts'
import type { SessionService } from '../../auth/session-service.ts'
import { UserDirectory } from './user-directory.ts'
import { UserService } from './user-service.ts'
import { UserTokenService } from './user-token-service.ts'
import { UserWriter } from './user-writer.ts'

/**
 * User routes: current user, read, find (by email, by filter), create (also together with a
 * healthcare professional), modify, delete, long-lived tokens and automatic sharing.
 */
export function registerUserRoutes(
  app: FastifyInstance,
  storage: Storage,
  events: EventBus,
  sessions: SessionService,
  /** Where admins' reads of users are recorded (absent: the access log is off). */
  audit?: AuditSink,
): void {
  const service = new UserService(storage, events, sessions, audit)
  const tokens = new UserTokenService(storage, new UserWriter(storage, events), sessions)
  const directory = new UserDirectory(storage)
  serveRoute(app, ROUTES.currentUser, ({ caller }) => service.get(caller, caller.userId))
  serveRoute(app, ROUTES.getUser, ({ caller, params }) => service.get(caller, params.id))
  serveRoute(app, ROUTES.getUserByEmail, ({ caller, params }) => directory.getByEmail(caller, params.email))
  serveRoute(app, ROUTES.filterUsers, async ({ caller, body, query }) => {
    const page = await directory.filter(
      caller,
      body.filter,
      query.startDocumentId,
      query.limit ?? DEFAULT_PAGE_SIZE,
    )
    return {
      pageSize: page.rows.length,
      totalSize: page.total,
      rows: page.rows,
      nextKeyPair: page.nextId ? { startKeyDocId: page.nextId } : {},
    }
  })
  serveRoute(app, ROUTES.matchUsers, ({ caller, body }) => directory.match(caller, body.filter))
  serveRoute(app, ROUTES.createUser, ({ caller, body }) => service.create(caller, body))
  serveRoute(app, ROUTES.createHealthcareProfessionalWithUser, ({ caller, body }) =>
    service.createWithHealthcareProfessional(caller, body),
  )
  serveRoute(app, ROUTES.modifyUser, ({ caller, body }) => service.modify(caller, body))
  serveRoute(app, ROUTES.deleteUser, ({ caller, params }) => service.delete(caller, params.id))
  serveRoute(app, ROUTES.createToken, async ({ caller, params, body }) => ({
    token: await tokens.create(caller, params.id, body.validity),
  }))
  serveRoute(app, ROUTES.listTokens, ({ caller, params }) => tokens.list(caller, params.id))
  serveRoute(app, ROUTES.revokeToken, ({ caller, params }) =>
    tokens.revoke(caller, params.id, params.tokenId),
  )
  serveRoute(app, ROUTES.addSharing, ({ caller, body }) =>
    service.changeSharing(caller, body.dataOwnerIds, body.type, true),
  )
  serveRoute(app, ROUTES.removeSharing, ({ caller, body }) =>
    service.changeSharing(caller, body.dataOwnerIds, body.type, false),
  )
}
