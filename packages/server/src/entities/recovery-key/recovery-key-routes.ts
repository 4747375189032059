import { randomBytes } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { ROUTES } from '@cairn/protocol'
import type { ServerConfig } from '../../config.ts'
import { LoginThrottle, type LoginThrottlePolicy } from '../../auth/login-throttle.ts'
import { serveRoute } from '../../http/serve-route.ts'
import type { Storage } from '../../storage/storage.ts'
import { RecoveryKeyService } from './recovery-key-service.ts'

/**
 * Back-off of wrong recovery codes: the login throttle's mechanism and table (shared by every instance),
 * with its own keys. Mistyped codes are caught by the SDK before any request (check characters), so a
 * wrong code that reaches the server is an old code or a guess: 5 free failures per data owner, 20 per
 * client address, then each failure doubles the wait from 1 s up to the login maximum. The window is the
 * login window, since the login throttle prunes the shared table by it.
 */
export function recoveryThrottlePolicy(config: ServerConfig): LoginThrottlePolicy {
  return {
    freeFailures: 5,
    addressFactor: 4,
    baseDelayMs: 1000,
    maxDelayMs: config.loginMaxDelaySeconds * 1000,
    windowMs: config.loginWindowSeconds * 1000,
  }
}

/** `GET`, `PUT`, `DELETE /recoverykey/{dataOwnerId}` and `POST /recoverykey/{dataOwnerId}/open`. */
export function registerRecoveryKeyRoutes(
  app: FastifyInstance,
  storage: Storage,
  config: ServerConfig,
): void {
  // The throttle's hash secret only keys logins of unknown accounts, which this throttle never counts.
  const throttle = new LoginThrottle(storage, recoveryThrottlePolicy(config), randomBytes(32).toString('hex'))
  const service = new RecoveryKeyService(storage, throttle, app.log)
  const routes = ROUTES.recoveryKey
  serveRoute(app, routes.status, ({ caller, params }) => service.status(caller, params.dataOwnerId))
  serveRoute(app, routes.store, ({ caller, params, body }) => service.store(caller, params.dataOwnerId, body))
  serveRoute(app, routes.open, ({ caller, params, body, ip }) =>
    service.open(caller, params.dataOwnerId, body.authValue, ip),
  )
  serveRoute(app, routes.delete, ({ caller, params }) => service.delete(caller, params.dataOwnerId))
}
