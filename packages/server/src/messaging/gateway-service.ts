import type {
  AuthChannel,
  DevOutboxMessageDto,
  EmailMessageDto,
  ProcessStartBodyDto,
  SmsMessageDto,
} from '@cairn/protocol'
import type { Caller } from '../auth/caller.ts'
import { LoginThrottle } from '../auth/login-throttle.ts'
import { isManagerOf } from '../access/access-policy.ts'
import { managedUserFor } from '../entities/user/user-facts.ts'
import { AppError, badRequest, conflict, forbidden, notFound } from '../http/app-error.ts'
import { StorageConflict, type Storage } from '../storage/storage.ts'
import type {
  StoredAuthApplication,
  StoredAuthProcess,
  StoredAuthRequest,
} from '../storage/auth-process-store.ts'
import type { MessageOutbox } from './outgoing-message.ts'
import type { CaptchaVerifier } from './captcha-verifier.ts'
import { countOrRefuse, reserveOrRefuse } from './gateway-throttles.ts'
import { renderMessage } from './message-template.ts'
import { normaliseEmail, normalisePhone, normaliseRecipient } from './recipient.ts'
import type { Registration } from './registration.ts'
import { generateCode, INVALID_CODE, parseValidation, type ValidationCodeHasher } from './validation-code.ts'
import { unknownApplication } from './auth-process-admin.ts'

/** Expired requests are deleted at most this often per instance, on a process start. */
const PRUNE_INTERVAL_MS = 60_000
/** Requests are kept this long after they expire (their attempts still count until then). */
const KEEP_EXPIRED_MS = 24 * 3600_000

/** The throttles of the gateway (see gateway-throttles.ts). */
export interface GatewayThrottles {
  start: LoginThrottle
  validation: LoginThrottle
  send: LoginThrottle
}

/** The 503 of a channel this server cannot deliver on. */
export function cannotSend(channel: AuthChannel): AppError {
  const variable = channel === 'email' ? 'CAIRN_SMTP_URL' : 'CAIRN_SMS_URL'
  return new AppError(
    'UNAVAILABLE',
    `This server cannot send ${channel === 'email' ? 'emails' : 'SMS'}: its operator must set ${variable} (or CAIRN_DEV_OUTBOX=1 in development)`,
  )
}

/** The outbox, if it can deliver on `channel`; the 503 otherwise. */
export function outboxFor(outbox: MessageOutbox | undefined, channel: AuthChannel): MessageOutbox {
  if (!outbox || !outbox.canSend(channel)) throw cannotSend(channel)
  return outbox
}

/** The throttle key of a client address, for the gateway event `event`. */
const addressKey = (event: string, address: string) => `msggw-${event}:${LoginThrottle.addressKey(address)}`

/**
 * The message gateway's public side and sends (docs/messaging.md): process starts that send a
 * validation code (sign-up or login), validations (which create the account of a sign-up), messages
 * that users send to the users they manage, and the development outbox.
 *
 * Abuse resistance: a start is refused (429) past its budget per recipient and per client address
 * before anything is looked up or sent; it answers the same `{requestId}` whether or not an account
 * exists for the recipient (a process that does not register users stores a request with a code
 * nobody received, so that even its validation behaves the same). Codes are stored as an HMAC only;
 * every check takes one of the request's attempts first (see AuthProcessStore), and wrong codes also
 * count per client address.
 */
export class GatewayService {
  private lastPrune = 0

  constructor(
    private readonly storage: Storage,
    private readonly codes: ValidationCodeHasher,
    private readonly captcha: CaptchaVerifier,
    private readonly throttles: GatewayThrottles,
    private readonly registration: Registration,
    private readonly outbox: MessageOutbox | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** The application and process of a start; the 404 of either one unknown (or not of that application). */
  private async processOf(
    specId: string,
    processId: string,
  ): Promise<{ app: StoredAuthApplication; process: StoredAuthProcess }> {
    const [app, process] = await Promise.all([
      this.storage.authProcesses.getApplication(specId),
      this.storage.authProcesses.getProcess(processId),
    ])
    if (!app) throw unknownApplication(specId)
    if (!process || process.specId !== specId)
      throw notFound(`Unknown authentication process ${processId} of application ${specId}`)
    return { app, process }
  }

  /**
   * Starts a process: checks the recipient, the transport, the captcha and the rate limits, then
   * sends a login code to an existing user, a registration code to an unknown recipient when the
   * process registers users, and nothing otherwise, always answering `{requestId}`. A request id used
   * before is a 409.
   */
  async start(
    specId: string,
    processId: string,
    requestIdParam: string,
    codeLength: number | undefined,
    body: ProcessStartBodyDto,
    address: string,
  ): Promise<{ requestId: string }> {
    const requestId = requestIdParam.toLowerCase()
    const { app, process } = await this.processOf(specId, processId)
    const recipient = normaliseRecipient(process.channel, body.from)
    const outbox = outboxFor(this.outbox, process.channel)
    await this.captcha.verify(
      app,
      app.captcha === 'friendly-captcha' ? body['friendly-captcha-response'] : body['g-recaptcha-response'],
      address,
    )
    // Per recipient (keyed by an HMAC: recipients never sit in the throttle table) and per address.
    const recipientKey = `msggw-start:${this.codes.key('start', recipient)}`
    const clientKey = addressKey('start', address)
    await reserveOrRefuse(this.throttles.start, recipientKey, clientKey, 'Too many codes requested')
    let send: 'login' | 'registration' | undefined
    // A client may ask for a longer code, never a shorter one than the admin configured: otherwise
    // whoever starts a login for someone else's address could choose the easiest code to guess.
    const code = generateCode(Math.max(codeLength ?? 0, process.codeLength))
    const now = this.now()
    try {
      // A login code goes only to the email or phone of the account (never to a login that looks like
      // one); a sign-up only where no account has the recipient as any identifier.
      const user = await this.storage.findUserByIdentifier(recipient)
      const own = user && (process.channel === 'email' ? user.email : user.mobilePhone) === recipient
      send = !user
        ? process.allowRegistration
          ? 'registration'
          : undefined
        : own && user.status === 'ACTIVE'
          ? 'login'
          : undefined
      await this.storage.authProcesses.insertRequest({
        requestId,
        specId,
        processId,
        recipient,
        // A request that sends nothing stores the hash of a code nobody has.
        codeHash: this.codes.hash(requestId, send ? code : generateCode(process.codeLength)),
        expires: now + process.codeLifetimeSeconds * 1000,
        attempts: 0,
        maxAttempts: process.maxAttempts,
        validated: null,
        consumed: null,
        firstName: body.firstName?.trim() || null,
        lastName: body.lastName?.trim() || null,
        created: now,
        clientAddress: address,
      })
    } catch (e) {
      await this.throttles.start.withdraw(recipientKey, clientKey).catch(() => undefined)
      if (e instanceof StorageConflict)
        throw conflict(`Request ${requestId} was already used: start with a new id`)
      throw e
    }
    await this.throttles.start.fail(recipientKey, clientKey)
    if (send) {
      const message = renderMessage(process.subject, process.template, {
        code,
        appName: app.name,
        // Names typed at a login start are anyone's: only a sign-up's own names go into its message.
        ...(send === 'registration'
          ? { firstName: body.firstName ?? '', lastName: body.lastName ?? '' }
          : { firstName: '', lastName: '' }),
        minutes: Math.ceil(process.codeLifetimeSeconds / 60),
      })
      await outbox.enqueue(
        process.channel === 'email'
          ? {
              channel: 'email',
              to: recipient,
              ...(app.emailFrom ? { from: app.emailFrom } : {}),
              subject: message.subject,
              html: message.html,
              text: message.text,
              kind: 'code',
            }
          : { channel: 'sms', to: recipient, message: message.text, kind: 'code' },
      )
    }
    await this.prune(now)
    return { requestId }
  }

  /**
   * Checks `{requestId}-{code}`. Unknown, expired, dead, spent, of another application or wrong: one
   * 400 (INVALID_CODE), the attempt counted for the request and the client address. Right: the request
   * is validated (its code may then log in once) and, for a sign-up without a user yet, the account is
   * created (Registration).
   */
  async validate(
    specId: string,
    validation: string,
    address: string,
    reqId: string,
  ): Promise<{ valid: true }> {
    const parsed = parseValidation(validation)
    if (!parsed) throw badRequest(INVALID_CODE)
    const { requestId, code } = parsed
    const key = `msggw-validate:req:${requestId}`
    const clientKey = addressKey('validate', address)
    await reserveOrRefuse(this.throttles.validation, key, clientKey, 'Too many wrong validation codes')
    const now = this.now()
    let found: { request: StoredAuthRequest; process: StoredAuthProcess } | undefined
    try {
      const request = await this.storage.authProcesses.takeAttempt(requestId, now)
      if (request && request.specId === specId && this.codes.matches(requestId, code, request.codeHash)) {
        const process = await this.storage.authProcesses.getProcess(request.processId)
        if (process && (await this.storage.authProcesses.markValidated(requestId, now)))
          found = { request, process }
      }
    } catch (error) {
      await this.throttles.validation.withdraw(key, clientKey).catch(() => undefined)
      throw error
    }
    if (!found) {
      await this.throttles.validation.fail(key, clientKey)
      throw badRequest(INVALID_CODE)
    }
    await this.throttles.validation.succeed(key, clientKey)
    if (found.process.allowRegistration)
      await this.registration.register(found.process, found.request, reqId, now)
    return { valid: true }
  }

  /** Queues an email to a user the caller manages (admins: to anyone), from the application's sender by default. */
  async sendEmail(
    caller: Caller,
    specId: string,
    email: string,
    body: EmailMessageDto,
    address: string,
  ): Promise<{ messageId: string; channel: 'email' }> {
    const app = await this.storage.authProcesses.getApplication(specId)
    if (!app) throw unknownApplication(specId)
    const to = normaliseEmail(email)
    // Only admins choose the sender: the server's mail account must not send a professional's text
    // under someone else's name (the application's sender is used otherwise).
    const from =
      caller.isAdmin && body.from !== undefined ? senderOf(body.from) : (app.emailFrom ?? undefined)
    await this.assertRecipientManaged(caller, to, 'email')
    const outbox = outboxFor(this.outbox, 'email')
    await this.countSend(caller, address)
    const messageId = await outbox.enqueue({
      channel: 'email',
      to,
      ...(from ? { from } : {}),
      subject: body.subject,
      html: body.html,
      kind: 'message',
    })
    return { messageId, channel: 'email' }
  }

  /** Queues an SMS to a user the caller manages (admins: to anyone). */
  async sendSms(
    caller: Caller,
    specId: string,
    phone: string,
    body: SmsMessageDto,
    address: string,
  ): Promise<{ messageId: string; channel: 'sms' }> {
    if (!(await this.storage.authProcesses.getApplication(specId))) throw unknownApplication(specId)
    const to = normalisePhone(phone)
    await this.assertRecipientManaged(caller, to, 'sms')
    const outbox = outboxFor(this.outbox, 'sms')
    await this.countSend(caller, address)
    const messageId = await outbox.enqueue({ channel: 'sms', to, message: body.message, kind: 'message' })
    return { messageId, channel: 'sms' }
  }

  /** Counts one message sent by the caller (sends and invitations), or the 429 past its budget. */
  async countSend(caller: Caller, address: string): Promise<void> {
    await countOrRefuse(
      this.throttles.send,
      `msggw-send:user:${caller.userId}`,
      addressKey('send', address),
      'Too many messages sent',
    )
  }

  /**
   * 403 unless the caller is an admin or manages the user whose email (or mobile phone) `to` is: the
   * gateway is not a relay to arbitrary addresses.
   */
  private async assertRecipientManaged(caller: Caller, to: string, channel: AuthChannel): Promise<void> {
    if (caller.isAdmin) return
    const user = await this.storage.findUserByIdentifier(to)
    const matches = user && (channel === 'email' ? user.email === to : user.mobilePhone === to)
    if (!user || !matches || !isManagerOf(caller, await managedUserFor(this.storage, caller, user)))
      throw forbidden(
        `${channel === 'email' ? 'Emails' : 'SMS'} go only to users the caller manages (admins: to anyone)`,
      )
  }

  /** The last message queued to `to` (development outbox only: 404 otherwise, and when there is none). */
  async last(channel: AuthChannel, to: string): Promise<DevOutboxMessageDto> {
    if (!this.outbox?.devOutbox)
      throw notFound('The development outbox is off: messages are readable only with CAIRN_DEV_OUTBOX=1')
    const recipient = normaliseRecipient(channel, to)
    const message = await this.outbox.last(channel, recipient)
    if (!message) throw notFound(`No ${channel === 'email' ? 'email' : 'SMS'} to ${recipient}`)
    return message
  }

  /** Deletes requests expired for a day, at most once a minute per instance. */
  private async prune(now: number): Promise<void> {
    if (now - this.lastPrune < PRUNE_INTERVAL_MS) return
    this.lastPrune = now
    await this.storage.authProcesses.pruneRequests(now - KEEP_EXPIRED_MS)
  }
}

/** A sender address given by the caller: a plain address, or the 400 of a bad one. */
export function senderOf(from: string): string {
  const trimmed = from.trim()
  normaliseEmail(trimmed)
  return trimmed
}
