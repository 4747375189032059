import type { FastifyInstance } from 'fastify'
import { ROUTES } from '@cairn/protocol'
import type { ServerConfig } from '../config.ts'
import type { EventBus } from '../events/event-bus.ts'
import { servePublicRoute, serveRoute } from '../http/serve-route.ts'
import type { Storage } from '../storage/storage.ts'
import { UserWriter } from '../entities/user/user-writer.ts'
import type { MessageOutbox } from './outgoing-message.ts'
import { assertAdmin, AuthProcessAdmin } from './auth-process-admin.ts'
import { CaptchaVerifier } from './captcha-verifier.ts'
import {
  gatewayThrottle,
  sendThrottlePolicy,
  startThrottlePolicy,
  validationThrottlePolicy,
} from './gateway-throttles.ts'
import { GatewayService } from './gateway-service.ts'
import { InvitationService } from './invitation-service.ts'
import { Registration } from './registration.ts'
import type { ValidationCodeHasher } from './validation-code.ts'

/**
 * Every route of the message gateway (`ROUTES.msgGw`, at the server root under `/msggw`) and of its
 * administration (`ROUTES.messagingAdmin`, admins only). `codes` hashes validation codes under the
 * server's secret (the same hasher the login checks codes with); without an outbox, sends answer 503
 * and the development outbox routes 404.
 */
export function registerMsgGwRoutes(
  app: FastifyInstance,
  storage: Storage,
  config: ServerConfig,
  events: EventBus,
  codes: ValidationCodeHasher,
  outbox: MessageOutbox | undefined,
): void {
  const captcha = new CaptchaVerifier(
    { recaptcha: config.recaptchaVerifyUrl, friendlyCaptcha: config.friendlyCaptchaVerifyUrl },
    app.log,
  )
  const gateway = new GatewayService(
    storage,
    codes,
    captcha,
    {
      start: gatewayThrottle(storage, startThrottlePolicy(config)),
      validation: gatewayThrottle(storage, validationThrottlePolicy(config)),
      send: gatewayThrottle(storage, sendThrottlePolicy(config)),
    },
    new Registration(storage, events),
    outbox,
  )
  const invitations = new InvitationService(storage, new UserWriter(storage, events), outbox, (caller, ip) =>
    gateway.countSend(caller, ip),
  )
  const admin = new AuthProcessAdmin(storage)

  const gw = ROUTES.msgGw
  servePublicRoute(app, gw.startProcess, ({ params, query, body, ip }) =>
    gateway.start(params.specId, params.processId, params.requestId, query.codeLength, body, ip),
  )
  servePublicRoute(app, gw.validateProcess, ({ params, ip, requestId }) =>
    gateway.validate(params.specId, params.validation, ip, requestId),
  )
  serveRoute(app, gw.sendEmail, ({ caller, params, body, ip }) =>
    gateway.sendEmail(caller, params.specId, params.email, body, ip),
  )
  serveRoute(app, gw.sendSms, ({ caller, params, body, ip }) =>
    gateway.sendSms(caller, params.specId, params.phone, body, ip),
  )
  serveRoute(app, gw.invite, ({ caller, params, body, ip }) =>
    invitations.invite(caller, params.specId, params.userId, body, ip),
  )
  servePublicRoute(app, gw.lastEmail, ({ params }) => gateway.last('email', params.email))
  servePublicRoute(app, gw.lastSms, ({ params }) => gateway.last('sms', params.phone))

  const routes = ROUTES.messagingAdmin
  serveRoute(app, routes.putApplication, ({ caller, params, body }) =>
    admin.putApplication(caller, params.specId, body),
  )
  serveRoute(app, routes.listApplications, ({ caller }) => admin.listApplications(caller))
  serveRoute(app, routes.createProcess, ({ caller, body }) => admin.createProcess(caller, body))
  serveRoute(app, routes.listProcesses, ({ caller, query }) => admin.listProcesses(caller, query.specId))
  serveRoute(app, routes.deleteProcess, ({ caller, params }) => admin.deleteProcess(caller, params.id))
  serveRoute(app, routes.listOutbox, async ({ caller, query }) => {
    assertAdmin(caller)
    return outbox ? outbox.list(query) : []
  })
}
