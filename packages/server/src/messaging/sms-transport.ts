/** What the outbox needs to deliver SMS: one provider behind it. */
export interface SmsTransport {
  /** Resolves once the provider accepted the message for `to` (international format); rejects otherwise. */
  send(to: string, message: string): Promise<void>
}

/** Settings of HttpSmsTransport (CAIRN_SMS_*). */
export interface HttpSmsOptions {
  /** The provider's endpoint (Twilio: `https://api.twilio.com/2010-04-01/Accounts/{sid}/Messages.json`). */
  url: string
  /** HTTP Basic user (Twilio: the account SID); absent: no Authorization header. */
  user?: string
  /** HTTP Basic password (Twilio: the auth token). */
  password?: string
  /** Sender number or name, sent as `From`. */
  from: string
  /** Longest wait for the provider's answer, in ms (default 15 s, well under an outbox lease). */
  timeoutMs?: number
}

/** A provider that did not accept an SMS: its HTTP status, never what was sent. */
export class SmsSendError extends Error {
  constructor(readonly status: number) {
    super(`SMS provider answered HTTP ${status}`)
    this.name = 'SmsSendError'
  }
}

/**
 * SMS through an HTTP provider taking a Twilio-style form post: `To`, `From` and `Body` as
 * application/x-www-form-urlencoded, HTTP Basic credentials. A 2xx answer means sent; anything else
 * (or no answer within the timeout) is a failure the outbox retries. Neither the body sent nor the
 * provider's answer (which may echo the number) goes into the error.
 */
export class HttpSmsTransport implements SmsTransport {
  readonly #authorization?: string

  constructor(private readonly options: HttpSmsOptions) {
    if (options.user !== undefined || options.password !== undefined)
      this.#authorization = `Basic ${Buffer.from(`${options.user ?? ''}:${options.password ?? ''}`).toString('base64')}`
  }

  /** See SmsTransport.send. */
  async send(to: string, message: string): Promise<void> {
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    }
    if (this.#authorization) headers.authorization = this.#authorization
    const response = await fetch(this.options.url, {
      method: 'POST',
      headers,
      body: new URLSearchParams({ To: to, From: this.options.from, Body: message }).toString(),
      // A redirect would resend the credentials and the message somewhere else: refused.
      redirect: 'error',
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 15_000),
    })
    // Read and drop the answer, so that the connection can be reused.
    await response.arrayBuffer().catch(() => undefined)
    if (!response.ok) throw new SmsSendError(response.status)
  }
}
