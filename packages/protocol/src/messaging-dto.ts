import { Type, type Static } from '@sinclair/typebox'
import { IdSchema } from './dto.ts'

/**
 * Wire shapes of Cairn's message gateway (docs/messaging.md): the MedTech message-gateway routes served
 * under `{server}/msggw/{specId}` (sign-up and login by a code sent by email or SMS, invitations), and
 * the admin routes that configure applications (`specId`) and authentication processes. Inline schemas
 * (no `$id`): used by these routes only.
 */

/** Shortest and longest validation code a process may send (digits). */
export const MIN_CODE_LENGTH = 6
export const MAX_CODE_LENGTH = 12

/** Id of an application (MedTech `specId`) or of an authentication process: letters, digits, `-`, `_`. */
export const GatewayIdSchema = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' })

/** An email address as the gateway accepts it (bounded; the format is checked by the service). */
const EmailAddress = Type.String({ minLength: 3, maxLength: 320 })
/** A mobile phone number in international format (MedTech's `^\+[1-9][0-9]{3,14}$`). */
const PhoneNumber = Type.String({ pattern: '^\\+[1-9][0-9]{3,14}$' })

/** Captcha an application requires on process start; `none` must be chosen explicitly (development). */
export const CaptchaTypeSchema = Type.Union([
  Type.Literal('recaptcha'),
  Type.Literal('friendly-captcha'),
  Type.Literal('none'),
])
export type CaptchaType = Static<typeof CaptchaTypeSchema>

/** Path parameters of the application-scoped gateway routes. */
export const SpecParamsSchema = Type.Object({ specId: GatewayIdSchema })

/** An application as an admin writes it (`PUT /rest/v1/msggw/application/{specId}`). */
export const AuthApplicationWriteSchema = Type.Object(
  {
    /** Shown in messages (`{{appName}}`). */
    name: Type.String({ minLength: 1, maxLength: 200 }),
    /** Sender address of its emails (default: the server's CAIRN_SMTP_FROM). */
    emailFrom: Type.Optional(EmailAddress),
    captcha: CaptchaTypeSchema,
    /** Secret of the captcha provider (required unless captcha is `none`); never returned. */
    captchaSecret: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
    /** Friendly Captcha site key, sent along with the secret when set. */
    captchaSiteKey: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
)
export type AuthApplicationWriteDto = Static<typeof AuthApplicationWriteSchema>

/** An application as the API returns it (the captcha secret is never returned). */
export const AuthApplicationSchema = Type.Object({
  specId: GatewayIdSchema,
  name: Type.String(),
  emailFrom: Type.Optional(Type.String()),
  captcha: CaptchaTypeSchema,
  hasCaptchaSecret: Type.Boolean(),
  captchaSiteKey: Type.Optional(Type.String()),
  created: Type.Number(),
  modified: Type.Number(),
})
export type AuthApplicationDto = Static<typeof AuthApplicationSchema>

export const AuthApplicationListSchema = Type.Array(AuthApplicationSchema, { maxItems: 10_000 })

/** How a process reaches its users. */
export const AuthChannelSchema = Type.Union([Type.Literal('email'), Type.Literal('sms')])
export type AuthChannel = Static<typeof AuthChannelSchema>

/** Which data owner a registration through the process creates. */
export const AuthProcessKindSchema = Type.Union([
  Type.Literal('patient'),
  Type.Literal('healthcareProfessional'),
])
export type AuthProcessKind = Static<typeof AuthProcessKindSchema>

/**
 * An authentication process as an admin writes it (`POST /rest/v1/msggw/authprocess`). The templates
 * may use `{{code}}` (required in the body), `{{appName}}`, `{{firstName}}`, `{{lastName}}` and
 * `{{minutes}}` (the code's lifetime).
 */
export const AuthProcessWriteSchema = Type.Object(
  {
    /** Chosen by the admin, or generated (a UUID) when absent; MedTech's `authProcessByEmailId`/`BySmsId`. */
    id: Type.Optional(GatewayIdSchema),
    specId: GatewayIdSchema,
    channel: AuthChannelSchema,
    kind: AuthProcessKindSchema,
    /** The healthcare professional responsible for the data owners it registers (manager of their users). */
    responsibleHcpId: Type.Optional(IdSchema),
    /** false: only existing users log in; an unknown recipient gets the same answer and no message. */
    allowRegistration: Type.Optional(Type.Boolean()),
    /** Email subject (email processes). */
    subject: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
    /** Message text: the email body (plain text, also sent as escaped HTML) or the SMS. */
    template: Type.Optional(Type.String({ minLength: 1, maxLength: 20_000 })),
    /** Digits of the code when the client does not ask for a length (default 6). */
    codeLength: Type.Optional(Type.Integer({ minimum: MIN_CODE_LENGTH, maximum: MAX_CODE_LENGTH })),
    /** Seconds a code stays valid (default 600). */
    codeLifetimeSeconds: Type.Optional(Type.Integer({ minimum: 30, maximum: 24 * 3600 })),
    /** Wrong codes before the process is dead (default 5). */
    maxAttempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })),
  },
  { additionalProperties: false },
)
export type AuthProcessWriteDto = Static<typeof AuthProcessWriteSchema>

/** An authentication process as the API returns it (defaults filled in). */
export const AuthProcessSchema = Type.Object({
  id: GatewayIdSchema,
  specId: GatewayIdSchema,
  channel: AuthChannelSchema,
  kind: AuthProcessKindSchema,
  responsibleHcpId: Type.Optional(Type.String()),
  allowRegistration: Type.Boolean(),
  subject: Type.String(),
  template: Type.String(),
  codeLength: Type.Integer(),
  codeLifetimeSeconds: Type.Integer(),
  maxAttempts: Type.Integer(),
  created: Type.Number(),
})
export type AuthProcessDto = Static<typeof AuthProcessSchema>

export const AuthProcessListSchema = Type.Array(AuthProcessSchema, { maxItems: 10_000 })
export const AuthProcessParamsSchema = Type.Object({ id: GatewayIdSchema })
export const AuthProcessListQuerySchema = Type.Object({ specId: Type.Optional(GatewayIdSchema) })

/** Path parameters of a process start (MedTech: `POST {msgGwUrl}/{specId}/process/{processId}/{requestId}`). */
export const ProcessStartParamsSchema = Type.Object({
  specId: GatewayIdSchema,
  processId: GatewayIdSchema,
  requestId: IdSchema,
})
export const ProcessStartQuerySchema = Type.Object({
  codeLength: Type.Optional(Type.Integer({ minimum: MIN_CODE_LENGTH, maximum: MAX_CODE_LENGTH })),
})

/** MedTech `AuthenticationProcessBody`: the body of a process start. */
export const ProcessStartBodySchema = Type.Object(
  {
    'g-recaptcha-response': Type.Optional(Type.String({ maxLength: 10_000 })),
    'friendly-captcha-response': Type.Optional(Type.String({ maxLength: 10_000 })),
    firstName: Type.Optional(Type.String({ maxLength: 200 })),
    lastName: Type.Optional(Type.String({ maxLength: 200 })),
    /** The email or phone number the code goes to (MedTech sends it as well as email/mobilePhone). */
    from: Type.String({ minLength: 1, maxLength: 320 }),
    email: Type.Optional(Type.String({ maxLength: 320 })),
    mobilePhone: Type.Optional(Type.String({ maxLength: 32 })),
    hcpId: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
)
export type ProcessStartBodyDto = Static<typeof ProcessStartBodySchema>

/**
 * Answer of a process start: always the same whether or not an account exists for the recipient
 * (nothing is sent to an unknown one when the process does not register users).
 */
export const ProcessStartedSchema = Type.Object({ requestId: Type.String() })

/** Path parameters of a validation: `{requestId}-{code}` (MedTech's single path segment). */
export const ProcessValidateParamsSchema = Type.Object({
  specId: GatewayIdSchema,
  validation: Type.String({ minLength: 38, maxLength: 60 }),
})
/** Answer of a successful validation: the code may now be used once as the password at login. */
export const ProcessValidatedSchema = Type.Object({ valid: Type.Literal(true) })

/** MedTech `EmailMessage`. */
export const EmailMessageSchema = Type.Object(
  {
    from: Type.Optional(Type.String({ maxLength: 320 })),
    subject: Type.String({ minLength: 1, maxLength: 1000 }),
    html: Type.String({ minLength: 1, maxLength: 200_000 }),
  },
  { additionalProperties: false },
)
export type EmailMessageDto = Static<typeof EmailMessageSchema>

/** MedTech `SMSMessage`. */
export const SmsMessageSchema = Type.Object(
  { message: Type.String({ minLength: 1, maxLength: 1600 }) },
  { additionalProperties: false },
)
export type SmsMessageDto = Static<typeof SmsMessageSchema>

export const EmailToParamsSchema = Type.Object({ specId: GatewayIdSchema, email: EmailAddress })
export const SmsToParamsSchema = Type.Object({ specId: GatewayIdSchema, phone: PhoneNumber })

/** Answer of a send: the message is in the outbox (sent, retried and reported by the server). */
export const MessageQueuedSchema = Type.Object({ messageId: Type.String(), channel: AuthChannelSchema })

/** Path parameters of an invitation: the user (just created by the caller) that is invited. */
export const InviteParamsSchema = Type.Object({ specId: GatewayIdSchema, userId: IdSchema })

/**
 * Body of an invitation (`POST {msgGwUrl}/{specId}/invite/{userId}`): the message built by the
 * inviter's message factory around `tokenPlaceholder`, which the server replaces with a single-use
 * invitation token it mints itself, so that the inviter's device never holds the invitee's credential.
 * Exactly one of `email` (sent to the user's email) and `sms` (to its mobile phone).
 */
export const InvitationSchema = Type.Object(
  {
    email: Type.Optional(EmailMessageSchema),
    sms: Type.Optional(SmsMessageSchema),
    /** Seconds the invitation token is valid (MedTech's tokenDuration, default 48 h; at most 30 days). */
    tokenValidity: Type.Integer({ minimum: 60, maximum: 30 * 24 * 3600 }),
    /** The string the message factory was given as the token: 24 to 100 URL-safe characters. */
    tokenPlaceholder: Type.String({ pattern: '^[A-Za-z0-9_-]{24,100}$' }),
  },
  { additionalProperties: false },
)
export type InvitationDto = Static<typeof InvitationSchema>

/** Path parameters of the development outbox (`CAIRN_DEV_OUTBOX=1` only). */
export const LastEmailParamsSchema = Type.Object({ specId: GatewayIdSchema, email: EmailAddress })
export const LastSmsParamsSchema = Type.Object({ specId: GatewayIdSchema, phone: PhoneNumber })

/** A message kept by the development outbox (MedTech's test gateway shape: the code is in `subject`/`message`). */
export const DevOutboxMessageSchema = Type.Object({
  to: Type.String(),
  from: Type.Optional(Type.String()),
  subject: Type.Optional(Type.String()),
  html: Type.Optional(Type.String()),
  text: Type.Optional(Type.String()),
  message: Type.Optional(Type.String()),
  created: Type.Number(),
})
export type DevOutboxMessageDto = Static<typeof DevOutboxMessageSchema>

/** Delivery state of an outbox message. */
export const OutboxStatusSchema = Type.Union([
  Type.Literal('pending'),
  Type.Literal('sent'),
  Type.Literal('failed'),
])
export type OutboxStatus = Static<typeof OutboxStatusSchema>

/** An outbox message as admins list it: delivery metadata only, never the content. */
export const OutboxEntrySchema = Type.Object({
  id: Type.String(),
  channel: AuthChannelSchema,
  to: Type.String(),
  kind: Type.String(),
  status: OutboxStatusSchema,
  attempts: Type.Integer(),
  lastError: Type.Optional(Type.String()),
  created: Type.Number(),
  nextAttempt: Type.Optional(Type.Number()),
  sent: Type.Optional(Type.Number()),
})
export type OutboxEntryDto = Static<typeof OutboxEntrySchema>

export const OutboxListQuerySchema = Type.Object({
  status: Type.Optional(OutboxStatusSchema),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
})
export const OutboxListSchema = Type.Array(OutboxEntrySchema, { maxItems: 1000 })
