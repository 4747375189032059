import { createServer, type Server } from 'node:net'
import { SMTPServer } from 'smtp-server'
import { simpleParser } from 'mailparser'

/** One email as the test SMTP server received it. */
export interface ReceivedMail {
  /** The envelope sender (MAIL FROM). */
  from: string
  /** The From header, as written (display name included). */
  fromHeader: string
  to: string[]
  subject: string
  html: string
  text: string
}

/**
 * A real SMTP server (the smtp-server package) on a local port, for tests of what Cairn sends: it
 * accepts every message without authentication and keeps them parsed, in arrival order.
 */
export interface SmtpSink {
  port: number
  /** `smtp://127.0.0.1:<port>` for CAIRN_SMTP_URL. */
  url: string
  mails: ReceivedMail[]
  /** Every RCPT TO received, accepted or not, with its time (epoch ms): retries show here. */
  rcpt: { address: string; at: number }[]
  /** Waits (up to `timeoutMs`) for a mail to `to` matching `filter`, oldest first. */
  waitFor(to: string, filter?: (m: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>
  close(): Promise<void>
}

/**
 * Starts an SMTP sink on `port` (0: a free one). `rejectRecipient` makes it refuse some recipients
 * with a permanent 550, as a mailbox that does not exist.
 */
export async function startSmtpSink(
  port = 0,
  rejectRecipient: (address: string) => boolean = () => false,
): Promise<SmtpSink> {
  const mails: ReceivedMail[] = []
  const rcpt: { address: string; at: number }[] = []
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    // Connections left open by a client end quickly at close(), so tests stop fast.
    closeTimeout: 200,
    onRcptTo(address, _session, callback) {
      rcpt.push({ address: address.address, at: Date.now() })
      if (rejectRecipient(address.address))
        callback(Object.assign(new Error('5.1.1 Mailbox unavailable'), { responseCode: 550 }))
      else callback()
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          mails.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            fromHeader: parsed.from?.text ?? '',
            to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
            subject: parsed.subject ?? '',
            html: typeof parsed.html === 'string' ? parsed.html : '',
            text: parsed.text ?? '',
          })
          callback()
        })
        .catch((error: Error) => callback(error))
    },
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve())
  })
  const address = (server as unknown as { server: Server }).server.address()
  const bound = typeof address === 'object' && address ? address.port : port
  return {
    port: bound,
    url: `smtp://127.0.0.1:${bound}`,
    mails,
    rcpt,
    async waitFor(to, filter = () => true, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const found = mails.find((m) => m.to.includes(to.toLowerCase()) && filter(m))
        if (found) return found
        if (Date.now() > deadline) throw new Error(`no mail to ${to} within ${timeoutMs} ms`)
        await new Promise((r) => setTimeout(r, 50))
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/** A TCP port nobody listens on (for a mail server that is down), free at the time of the call. */
export async function unusedPort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()))
  const address = probe.address()
  const port = typeof address === 'object' && address ? address.port : 0
  await new Promise<void>((resolve) => probe.close(() => resolve()))
  return port
}
