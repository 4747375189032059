import type { FastifyInstance } from 'fastify'
import { ROUTES } from '@cairn/protocol'
import { servePublicRoute, serveRoute } from '../http/serve-route.ts'
import type { AuthService } from './auth-service.ts'

/** Login and refresh (the only API routes without a bearer token), and logout. */
export function registerAuthRoutes(app: FastifyInstance, auth: AuthService): void {
  servePublicRoute(app, ROUTES.login, ({ body, ip, requestId }) =>
    auth.login(body.username, body.password, ip, requestId, app.log),
  )
  servePublicRoute(app, ROUTES.refresh, ({ body }) => auth.refresh(body.refreshToken))
  serveRoute(app, ROUTES.logout, ({ caller }) => auth.logout(caller))
}
