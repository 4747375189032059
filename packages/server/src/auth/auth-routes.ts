import type { FastifyInstance } from 'fastify'
import { ROUTES } from '@cairn/protocol'
import { servePublicRoute } from '../http/serve-route.ts'
import type { AuthService } from './auth-service.ts'

/** Public routes: login and refresh (the only API routes without a bearer token). */
export function registerAuthRoutes(app: FastifyInstance, auth: AuthService): void {
  servePublicRoute(app, ROUTES.login, ({ body, ip, requestId }) =>
    auth.login(body.username, body.password, ip, requestId),
  )
  servePublicRoute(app, ROUTES.refresh, ({ body }) => auth.refresh(body.refreshToken))
}
