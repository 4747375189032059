import {
  AuthApplicationListSchema,
  AuthApplicationSchema,
  AuthApplicationWriteSchema,
  AuthProcessListQuerySchema,
  AuthProcessListSchema,
  AuthProcessParamsSchema,
  AuthProcessSchema,
  AuthProcessWriteSchema,
  DevOutboxMessageSchema,
  EmailMessageSchema,
  EmailToParamsSchema,
  InvitationSchema,
  InviteParamsSchema,
  LastEmailParamsSchema,
  LastSmsParamsSchema,
  MessageQueuedSchema,
  OutboxListQuerySchema,
  OutboxListSchema,
  ProcessStartBodySchema,
  ProcessStartedSchema,
  ProcessStartParamsSchema,
  ProcessStartQuerySchema,
  ProcessValidatedSchema,
  ProcessValidateParamsSchema,
  SmsMessageSchema,
  SmsToParamsSchema,
  SpecParamsSchema,
} from '../messaging-dto.ts'
import { defineRoute } from './route-def.ts'

/** Path, relative to the server root, under which the message gateway is served (the SDK's default msgGwUrl). */
export const MSG_GW_PATH = '/msggw'

const tags = ['messageGateway']

/**
 * The message gateway (docs/messaging.md): MedTech's `{msgGwUrl}/{specId}/...` routes, served by Cairn
 * itself at the server root under {@link MSG_GW_PATH}. Process start and validation are public (a person
 * signing up has no account yet) and rate-limited; sends and invitations need a session.
 */
export const MSG_GW_ROUTES = {
  startProcess: defineRoute({
    method: 'POST',
    path: `${MSG_GW_PATH}/:specId/process/:processId/:requestId`,
    root: true,
    public: true,
    operationId: 'startAuthenticationProcess',
    summary:
      'Sends a validation code to an email or phone (sign-up or login); the same answer whether or not an account exists; captcha and rate limits apply',
    tags,
    params: ProcessStartParamsSchema,
    query: ProcessStartQuerySchema,
    body: ProcessStartBodySchema,
    response: ProcessStartedSchema,
  }),
  validateProcess: defineRoute({
    method: 'GET',
    path: `${MSG_GW_PATH}/:specId/process/validate/:validation`,
    root: true,
    public: true,
    operationId: 'validateAuthenticationProcess',
    summary:
      'Checks `{requestId}-{code}` (at most maxAttempts tries per process); creates the user of a registration; the code then logs in once',
    tags,
    params: ProcessValidateParamsSchema,
    response: ProcessValidatedSchema,
  }),
  sendEmail: defineRoute({
    method: 'POST',
    path: `${MSG_GW_PATH}/:specId/email/to/:email`,
    root: true,
    operationId: 'sendEmail',
    summary: 'Queues an email to a user the caller manages (admins: to anyone); rate-limited per sender',
    tags,
    params: EmailToParamsSchema,
    body: EmailMessageSchema,
    response: MessageQueuedSchema,
  }),
  sendSms: defineRoute({
    method: 'POST',
    path: `${MSG_GW_PATH}/:specId/sms/to/:phone`,
    root: true,
    operationId: 'sendSms',
    summary: 'Queues an SMS to a user the caller manages (admins: to anyone); rate-limited per sender',
    tags,
    params: SmsToParamsSchema,
    body: SmsMessageSchema,
    response: MessageQueuedSchema,
  }),
  invite: defineRoute({
    method: 'POST',
    path: `${MSG_GW_PATH}/:specId/invite/:userId`,
    root: true,
    operationId: 'inviteUser',
    summary:
      'Mints a single-use invitation token for a user the caller manages that never logged in, puts it in the message in place of the placeholder and queues it to the user',
    tags,
    params: InviteParamsSchema,
    body: InvitationSchema,
    response: MessageQueuedSchema,
  }),
  lastEmail: defineRoute({
    method: 'GET',
    path: `${MSG_GW_PATH}/:specId/lastEmail/:email`,
    root: true,
    public: true,
    operationId: 'devOutboxLastEmail',
    summary: 'Development only (CAIRN_DEV_OUTBOX=1): the last email queued to an address',
    tags,
    params: LastEmailParamsSchema,
    response: DevOutboxMessageSchema,
  }),
  lastSms: defineRoute({
    method: 'GET',
    path: `${MSG_GW_PATH}/:specId/lastSMS/:phone`,
    root: true,
    public: true,
    operationId: 'devOutboxLastSms',
    summary: 'Development only (CAIRN_DEV_OUTBOX=1): the last SMS queued to a phone number',
    tags,
    params: LastSmsParamsSchema,
    response: DevOutboxMessageSchema,
  }),
} as const

const adminTags = ['messagingAdmin']

/** Configuration of the gateway and the outbox: admins only. */
export const MESSAGING_ADMIN_ROUTES = {
  putApplication: defineRoute({
    method: 'PUT',
    path: '/msggw/application/:specId',
    operationId: 'putAuthApplication',
    summary: 'Creates or replaces an application (specId): its name, sender and captcha',
    tags: adminTags,
    params: SpecParamsSchema,
    body: AuthApplicationWriteSchema,
    response: AuthApplicationSchema,
  }),
  listApplications: defineRoute({
    method: 'GET',
    path: '/msggw/application',
    operationId: 'listAuthApplications',
    summary: 'Every application',
    tags: adminTags,
    response: AuthApplicationListSchema,
  }),
  createProcess: defineRoute({
    method: 'POST',
    path: '/msggw/authprocess',
    operationId: 'createAuthProcess',
    summary: 'Creates an authentication process of an application (email or SMS, patient or professional)',
    tags: adminTags,
    body: AuthProcessWriteSchema,
    response: AuthProcessSchema,
  }),
  listProcesses: defineRoute({
    method: 'GET',
    path: '/msggw/authprocess',
    operationId: 'listAuthProcesses',
    summary: 'The authentication processes (of one application with ?specId=)',
    tags: adminTags,
    query: AuthProcessListQuerySchema,
    response: AuthProcessListSchema,
  }),
  deleteProcess: defineRoute({
    method: 'DELETE',
    path: '/msggw/authprocess/:id',
    operationId: 'deleteAuthProcess',
    summary: 'Deletes an authentication process (codes already sent stop working)',
    tags: adminTags,
    params: AuthProcessParamsSchema,
    response: AuthProcessSchema,
  }),
  listOutbox: defineRoute({
    method: 'GET',
    path: '/msggw/outbox',
    operationId: 'listOutbox',
    summary:
      'Delivery state of outbox messages (failed ones with ?status=failed), newest first; never their content',
    tags: adminTags,
    query: OutboxListQuerySchema,
    response: OutboxListSchema,
  }),
} as const
