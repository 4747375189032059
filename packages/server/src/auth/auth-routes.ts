import type { FastifyInstance } from 'fastify'
import { LoginSchema, RefreshSchema, type LoginDto } from '@cairn/protocol'
import type { AuthService } from './auth-service.ts'

/** Public routes: login and refresh (the only routes without a bearer token, with /health). */
export function registerAuthRoutes(app: FastifyInstance, auth: AuthService): void {
  app.post(
    '/auth/login',
    { schema: { tags: ['auth'], body: LoginSchema }, config: { public: true } },
    async (request) => {
      const { username, password } = request.body as LoginDto
      return auth.login(username, password, request.ip)
    },
  )
  app.post(
    '/auth/refresh',
    { schema: { tags: ['auth'], body: RefreshSchema }, config: { public: true } },
    async (request) => auth.refresh((request.body as { refreshToken: string }).refreshToken),
  )
}
