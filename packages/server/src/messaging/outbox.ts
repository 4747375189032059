import { randomUUID } from 'node:crypto'
import type { ServerConfig } from '../config.ts'
import { AppError } from '../http/app-error.ts'
import type { ClaimedOutboxMessage, OutboxChannel, OutboxStore } from '../storage/outbox-store.ts'
import { maskRecipient } from './mask-recipient.ts'
import type { MessageOutbox, OutgoingMessage } from './outgoing-message.ts'
import { retryDelay } from './retry-delay.ts'
import { SealedPayload } from './sealed-payload.ts'
import { describeSendError } from './send-error.ts'
import { HttpSmsTransport, type SmsTransport } from './sms-transport.ts'
import { SmtpTransport, describeSmtpUrl, type EmailTransport } from './smtp-transport.ts'

/** The configuration entries the outbox reads (see ServerConfig). */
export type OutboxConfig = Pick<
  ServerConfig,
  | 'smtpUrl'
  | 'smtpFrom'
  | 'smsUrl'
  | 'smsUser'
  | 'smsPassword'
  | 'smsFrom'
  | 'devOutbox'
  | 'outboxMaxAttempts'
  | 'outboxRetryBaseMs'
>

/** Where the outbox logs (the app's pino logger fits). */
export interface OutboxLog {
  info(details: object, message: string): void
  warn(details: object, message: string): void
  error(details: object, message: string): void
}

/** Tuning of the worker and transports other than the configured ones (tests). */
export interface OutboxOptions {
  /** Email transport instead of the one CAIRN_SMTP_URL describes. */
  email?: EmailTransport
  /** SMS transport instead of the one CAIRN_SMS_URL describes. */
  sms?: SmsTransport
  /**
   * How long a claimed message is held by this worker (ms, default 60 s): longer than any send takes
   * (the transports time out well before), after which another instance may claim it again.
   */
  leaseMs?: number
  /** Messages claimed (and sent concurrently) at once (default 10). */
  batchSize?: number
  /**
   * Longest sleep of the worker (ms, default 5 s): it also picks up messages other instances queued
   * and did not send (they crashed), and due retries.
   */
  pollMs?: number
  /**
   * Asked before each claim: false skips the claim (the worker sleeps and asks again). The server
   * passes whether its secret still is the one the other instances of the database use
   * (auth/secret-agreement.ts), so that it never claims, and fails, messages it cannot open.
   */
  mayClaim?: () => Promise<boolean>
}

/** Content of a message as sealed in its row. */
type Content = { from?: string; subject: string; html: string; text?: string } | { message: string }

/** What lastEmail / lastSMS answer (MessageOutbox.last). */
type LastMessage = Awaited<ReturnType<MessageOutbox['last']>>
/** One entry of MessageOutbox.list. */
type ListedMessage = Awaited<ReturnType<MessageOutbox['list']>>[number]

/** One email address (no list, no display name, no spaces): what enqueue() accepts as an email recipient. */
const SINGLE_EMAIL = /^[^\s@,;:<>()"[\]\\]+@[^\s@,;:<>()"'[\]\\]+$/
/** One phone number: digits with an optional leading `+` and common separators, nothing else. */
const SINGLE_PHONE = /^\+?[0-9][0-9 ()./-]{2,30}$/
/** Shortest sleep of the worker between two rounds (ms): no busy loop whatever the clock says. */
const MIN_SLEEP_MS = 20
/** Worker failures (database down) are logged at most this often (ms). */
const FAULT_LOG_INTERVAL_MS = 60_000
/** Entries listed when the query names no limit, and the most it may ask. */
const DEFAULT_LIST_LIMIT = 100
const MAX_LIST_LIMIT = 1000

/** Logs to stderr until the app's logger is attached (warnings and errors only). */
const STDERR_LOG: OutboxLog = {
  info: () => {},
  warn: (details, message) => process.stderr.write(`${message} ${JSON.stringify(details)}\n`),
  error: (details, message) => process.stderr.write(`${message} ${JSON.stringify(details)}\n`),
}

/**
 * The persistent outbox of emails and SMS (docs/messaging.md). enqueue() commits the message to
 * `storage.outbox`, its content sealed (SealedPayload), then wakes the worker; the worker claims due
 * messages in small batches under a lease (safe with several instances on one database), sends them,
 * and records the outcome: sent (content deleted, unless the development outbox keeps it), or a retry
 * after an exponential back-off, or — after CAIRN_OUTBOX_MAX_ATTEMPTS attempts — failed, logged at
 * error level with the recipient masked and never the content. A message whose worker died is claimed
 * again once its lease ends, so nothing queued is lost silently.
 *
 * Lifecycle: construct, `attach(log)`, `init()` (starts the worker), `close()` (stops it, waits for the
 * sends under way, closes the transports).
 */
export class Outbox implements MessageOutbox {
  readonly devOutbox: boolean
  readonly #store: OutboxStore
  readonly #seal: SealedPayload
  readonly #config: OutboxConfig
  readonly #email?: EmailTransport
  readonly #sms?: SmsTransport
  readonly #leaseMs: number
  readonly #batchSize: number
  readonly #pollMs: number
  readonly #mayClaim?: () => Promise<boolean>
  #log: OutboxLog = STDERR_LOG
  #started = false
  #closed = false
  #timer?: NodeJS.Timeout
  /** The round under way (claims, sends, outcomes), awaited by close(). */
  #running?: Promise<void>
  /** A message was queued during the round under way: run another at once. */
  #again = false
  #lastFaultLog = 0
  /** Creation time of the last message queued here (see #createdNow). */
  #lastCreated = 0

  /**
   * `store`: storage.outbox; `secret`: the server's JWT secret, from which the sealing key is derived
   * (every instance sharing the database has the same); `config`: the CAIRN_SMTP_*, CAIRN_SMS_*,
   * CAIRN_DEV_OUTBOX and CAIRN_OUTBOX_* settings. Creating the transports connects to nothing.
   */
  constructor(store: OutboxStore, secret: string, config: OutboxConfig, options: OutboxOptions = {}) {
    this.#store = store
    this.#seal = new SealedPayload(secret)
    this.#config = config
    this.devOutbox = config.devOutbox
    this.#email = options.email ?? (config.smtpUrl ? new SmtpTransport(config.smtpUrl) : undefined)
    this.#sms =
      options.sms ??
      (config.smsUrl
        ? new HttpSmsTransport({
            url: config.smsUrl,
            user: config.smsUser,
            password: config.smsPassword,
            from: config.smsFrom ?? '',
          })
        : undefined)
    this.#leaseMs = options.leaseMs ?? 60_000
    this.#batchSize = options.batchSize ?? 10
    this.#pollMs = options.pollMs ?? 5_000
    this.#mayClaim = options.mayClaim
  }

  /** Sets the logger (the app's, created after the outbox). Before it, warnings go to stderr. */
  attach(log: OutboxLog): void {
    this.#log = log
  }

  /**
   * Logs which transports are active (hosts only, never credentials) and starts the worker, which
   * first sends what an earlier run left pending.
   */
  init(): Promise<void> {
    if (this.#started) return Promise.resolve()
    this.#started = true
    const smsOrigin = this.#config.smsUrl ? new URL(this.#config.smsUrl).origin : undefined
    const email = this.#email
      ? this.#config.smtpUrl
        ? describeSmtpUrl(this.#config.smtpUrl)
        : 'custom'
      : 'none'
    const sms = this.#sms ? (smsOrigin ?? 'custom') : 'none'
    this.#log.info(
      { email, sms, devOutbox: this.devOutbox },
      `outbox: email ${email === 'none' ? 'off' : `via ${email}`}, SMS ${sms === 'none' ? 'off' : `via ${sms}`}` +
        `, development outbox ${this.devOutbox ? 'on' : 'off'}`,
    )
    if (this.devOutbox)
      this.#log.warn(
        { devOutbox: true },
        'CAIRN_DEV_OUTBOX=1: every message stays readable by anyone at /msggw/{specId}/lastEmail and /lastSMS; never use it with real users',
      )
    this.#schedule(0)
    return Promise.resolve()
  }

  /** Stops the worker, waits for the sends under way and their outcomes, closes the transports. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    clearTimeout(this.#timer)
    this.#timer = undefined
    await this.#running
    this.#email?.close()
  }

  /** See MessageOutbox.canSend. */
  canSend(channel: 'email' | 'sms'): boolean {
    return this.devOutbox || this.#transport(channel) !== undefined
  }

  /** See MessageSink.enqueue. */
  async enqueue(message: OutgoingMessage): Promise<string> {
    const channel: OutboxChannel = message.channel
    if (channel !== 'email' && channel !== 'sms')
      throw new AppError('BAD_REQUEST', `Unknown message channel "${String(channel)}"`)
    if (!this.canSend(channel))
      throw new AppError(
        'UNAVAILABLE',
        channel === 'email'
          ? 'This server cannot send email: it has no SMTP server configured (CAIRN_SMTP_URL)'
          : 'This server cannot send SMS: it has no SMS provider configured (CAIRN_SMS_URL)',
      )
    if (this.#closed) throw new AppError('UNAVAILABLE', 'The server is shutting down: try again shortly', 5)
    // One recipient, always: an address list here would send a code or a token to someone else too.
    if (channel === 'email' ? !SINGLE_EMAIL.test(message.to) : !SINGLE_PHONE.test(message.to))
      throw new AppError(
        'BAD_REQUEST',
        `Not a single ${channel === 'email' ? 'email address' : 'phone number'}`,
      )
    const content: Content =
      message.channel === 'email'
        ? {
            ...(message.from !== undefined ? { from: message.from } : {}),
            subject: message.subject,
            html: message.html,
            ...(message.text !== undefined ? { text: message.text } : {}),
          }
        : { message: message.message }
    const id = randomUUID()
    // Development outbox without a transport for the channel: delivered as soon as it is kept.
    const delivered = this.#transport(channel) === undefined
    await this.#store.insert({
      id,
      channel,
      recipient: message.to,
      kind: message.kind,
      payload: this.#seal.seal(id, JSON.stringify(content)),
      status: delivered ? 'sent' : 'pending',
      now: this.#createdNow(),
    })
    if (!delivered) this.#wake()
    return id
  }

  /** See MessageOutbox.last: the development outbox only. */
  async last(channel: 'email' | 'sms', to: string): Promise<LastMessage> {
    if (!this.devOutbox) return undefined
    const record = await this.#store.last(channel, to)
    if (!record?.payload) return undefined
    let content: Content
    try {
      content = JSON.parse(this.#seal.open(record.id, record.payload)) as Content
    } catch {
      return undefined
    }
    if ('message' in content)
      return { to: record.recipient, message: content.message, created: record.created }
    const from = content.from ?? this.#config.smtpFrom
    return {
      to: record.recipient,
      ...(from !== undefined ? { from } : {}),
      subject: content.subject,
      html: content.html,
      ...(content.text !== undefined ? { text: content.text } : {}),
      created: record.created,
    }
  }

  /** See MessageOutbox.list: delivery metadata, newest first, never the content. */
  async list(query: { status?: 'pending' | 'sent' | 'failed'; limit?: number }): Promise<ListedMessage[]> {
    const limit = Math.min(MAX_LIST_LIMIT, Math.max(1, Math.floor(query.limit ?? DEFAULT_LIST_LIMIT)))
    const records = await this.#store.list({ ...(query.status ? { status: query.status } : {}), limit })
    return records.map((r) => ({
      id: r.id,
      channel: r.channel,
      to: r.recipient,
      kind: r.kind,
      status: r.status,
      attempts: r.attempts,
      ...(r.lastError !== undefined ? { lastError: r.lastError } : {}),
      created: r.created,
      ...(r.status === 'pending' ? { nextAttempt: Math.max(r.nextAttempt, r.leaseUntil ?? 0) } : {}),
      ...(r.sent !== undefined ? { sent: r.sent } : {}),
    }))
  }

  /**
   * The time to record as a new message's creation: now, or 1 ms after the previous message queued
   * here when that is later, so that of two messages queued in the same millisecond to one recipient
   * the last one is the one last() finds (and lists keep their order).
   */
  #createdNow(): number {
    this.#lastCreated = Math.max(Date.now(), this.#lastCreated + 1)
    return this.#lastCreated
  }

  /** The transport of a channel, if configured. */
  #transport(channel: OutboxChannel): EmailTransport | SmsTransport | undefined {
    return channel === 'email' ? this.#email : this.#sms
  }

  /** A message was queued: run a round now, or right after the one under way. */
  #wake(): void {
    if (!this.#started || this.#closed) return
    if (this.#running) this.#again = true
    else this.#schedule(0)
  }

  /** Runs a round after `delayMs` (replacing the one planned); the timer never keeps the process alive. */
  #schedule(delayMs: number): void {
    clearTimeout(this.#timer)
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      if (this.#closed || this.#running) return
      this.#running = this.#round().then((sleep) => {
        this.#running = undefined
        // A message queued while the round ended (see #wake) is not left waiting for the sleep.
        if (!this.#closed) this.#schedule(this.#again ? 0 : sleep)
      })
    }, delayMs)
    this.#timer.unref()
  }

  /**
   * One round of the worker: claims and delivers batches while messages are due, then returns how
   * long to sleep (ms): until the next due message (a retry, or a lease that ends) or the poll
   * interval, whichever comes first. It asks (a read) before it claims (a write), so that an idle
   * server takes no write lock. Never rejects.
   */
  async #round(): Promise<number> {
    try {
      for (;;) {
        this.#again = false
        const due = await this.#store.nextDue()
        const now = Date.now()
        if (due === undefined) return this.#pollMs
        if (due > now) return Math.min(this.#pollMs, Math.max(MIN_SLEEP_MS, due - now))
        if (this.#mayClaim && !(await this.#mayClaim())) return this.#pollMs
        if (this.#closed) return this.#pollMs
        const batch = await this.#store.claim(now, this.#leaseMs, this.#batchSize)
        // Another instance claimed them in between.
        if (batch.length === 0) return MIN_SLEEP_MS
        await Promise.all(batch.map((message) => this.#deliver(message)))
        if (this.#closed) return this.#pollMs
      }
    } catch (error) {
      this.#fault(error)
      return this.#pollMs
    }
  }

  /** Sends one claimed message and records the outcome; never throws (the lease covers a lost outcome). */
  async #deliver(message: ClaimedOutboxMessage): Promise<void> {
    const { id, channel, kind, attempts, leaseToken } = message
    const meta = { id, channel, kind, attempts, to: maskRecipient(message.recipient) }
    try {
      if (attempts > this.#config.outboxMaxAttempts) {
        await this.#fail(message, 'the last attempt was interrupted (the server stopped during the send)')
        return
      }
      let content: Content
      try {
        if (message.payload === undefined) throw new Error('no content')
        content = JSON.parse(this.#seal.open(id, message.payload)) as Content
      } catch {
        // Stopping (at shutdown, or because this instance's secret is no longer the others'): leave
        // the message leased; when the lease ends a running instance claims it, and opens it or fails it.
        if (this.#closed) return
        await this.#fail(message, 'the content cannot be opened (was the JWT secret changed?)')
        return
      }
      const transport = this.#transport(channel)
      if (!transport && this.devOutbox) {
        await this.#store.markSent(id, leaseToken, Date.now(), true)
        return
      }
      try {
        if (!transport)
          throw new Error(
            `no ${channel === 'email' ? 'SMTP server (CAIRN_SMTP_URL)' : 'SMS provider (CAIRN_SMS_URL)'} configured`,
          )
        await this.#send(transport, message.recipient, content)
      } catch (error) {
        const description = describeSendError(error)
        if (attempts >= this.#config.outboxMaxAttempts) {
          await this.#fail(message, description)
          return
        }
        const delay = retryDelay(attempts, this.#config.outboxRetryBaseMs)
        if (await this.#store.markRetry(id, leaseToken, Date.now() + delay, description))
          this.#log.warn(
            { outbox: { ...meta, error: description, retryInMs: delay } },
            `message ${id} not sent, retried in ${delay} ms`,
          )
        return
      }
      if (await this.#store.markSent(id, leaseToken, Date.now(), this.devOutbox))
        this.#log.info({ outbox: meta }, `message ${id} sent`)
    } catch (error) {
      // The database failed while recording the outcome: the lease ends and the message is claimed again.
      this.#fault(error)
    }
  }

  /** Sends `content` to `to` through the channel's transport. */
  async #send(transport: EmailTransport | SmsTransport, to: string, content: Content): Promise<void> {
    if ('message' in content) {
      await (transport as SmsTransport).send(to, content.message)
      return
    }
    const from = content.from ?? this.#config.smtpFrom
    if (!from) throw new Error('no sender address (CAIRN_SMTP_FROM)')
    await (transport as EmailTransport).send({
      from,
      to,
      subject: content.subject,
      html: content.html,
      ...(content.text !== undefined ? { text: content.text } : {}),
    })
  }

  /** Marks a message failed for good and reports it at error level (masked recipient, no content). */
  async #fail(message: ClaimedOutboxMessage, error: string): Promise<void> {
    if (!(await this.#store.markFailed(message.id, message.leaseToken, error, this.devOutbox))) return
    const { id, channel, kind, attempts } = message
    this.#log.error(
      { outbox: { id, channel, kind, attempts, to: maskRecipient(message.recipient), error } },
      `message ${id} (${channel}, ${kind}) failed after ${attempts} attempt(s): ${error}`,
    )
  }

  /** Reports a failure of the worker itself (the database), at most once a minute. */
  #fault(error: unknown): void {
    const now = Date.now()
    if (now - this.#lastFaultLog < FAULT_LOG_INTERVAL_MS) return
    this.#lastFaultLog = now
    this.#log.error(
      { outbox: { error: describeSendError(error) } },
      'outbox worker: the database failed, retrying',
    )
  }
}
