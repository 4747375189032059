/**
 * A message handed to the outbox (see Outbox): who it goes to and what it says. The content is kept
 * encrypted at rest until it is sent (it may hold a validation code or an invitation token), and only
 * metadata stays afterwards (except with CAIRN_DEV_OUTBOX=1, which keeps it for lastEmail/lastSMS).
 */
export type OutgoingMessage =
  | {
      readonly channel: 'email'
      /** Recipient address (already validated by the caller). */
      readonly to: string
      /** Sender; absent: the server's CAIRN_SMTP_FROM. */
      readonly from?: string
      readonly subject: string
      /** HTML body. */
      readonly html: string
      /** Plain-text body (optional alternative part). */
      readonly text?: string
      /** What it is, for admins and logs: `code`, `invitation`, `message`. */
      readonly kind: string
    }
  | {
      readonly channel: 'sms'
      /** Recipient number, international format (`+32...`). */
      readonly to: string
      readonly message: string
      readonly kind: string
    }

/** Where services put messages: persisted first, then sent (and retried) by the outbox worker. */
export interface MessageSink {
  /**
   * Stores the message in the outbox (committed before this resolves, so it survives a restart) and
   * wakes the worker; returns the message id. Rejects with UNAVAILABLE (503) when the server has no
   * transport for the channel (no CAIRN_SMTP_URL / CAIRN_SMS_URL and no CAIRN_DEV_OUTBOX).
   */
  enqueue(message: OutgoingMessage): Promise<string>
}

/** What the gateway routes need from the outbox besides enqueueing. */
export interface MessageOutbox extends MessageSink {
  /** Whether messages of this channel can be delivered (a transport is configured, or the dev outbox is on). */
  canSend(channel: 'email' | 'sms'): boolean
  /** CAIRN_DEV_OUTBOX=1: messages are kept readable (lastEmail / lastSMS). */
  readonly devOutbox: boolean
  /**
   * The last message queued to `to` on `channel`, with its content (dev outbox only; undefined
   * otherwise or when there is none).
   */
  last(
    channel: 'email' | 'sms',
    to: string,
  ): Promise<
    | {
        to: string
        from?: string
        subject?: string
        html?: string
        text?: string
        message?: string
        created: number
      }
    | undefined
  >
  /** Delivery metadata of messages, newest first (never their content). */
  list(query: { status?: 'pending' | 'sent' | 'failed'; limit?: number }): Promise<
    {
      id: string
      channel: 'email' | 'sms'
      to: string
      kind: string
      status: 'pending' | 'sent' | 'failed'
      attempts: number
      lastError?: string
      created: number
      nextAttempt?: number
      sent?: number
    }[]
  >
}
