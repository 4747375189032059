import { createTransport } from 'nodemailer'

/** One email as the outbox hands it to a transport. */
export interface EmailContent {
  readonly from: string
  readonly to: string
  readonly subject: string
  readonly html: string
  readonly text?: string
}

/** What the outbox needs to deliver email. */
export interface EmailTransport {
  /** Resolves once the mail server accepted the message; rejects with the reason otherwise. */
  send(mail: EmailContent): Promise<void>
  /** Releases connections; sends after it fail. */
  close(): void
}

/**
 * Time limits towards the mail server (ms). nodemailer's defaults (2 minutes to connect, 10 of
 * silence) would hold an outbox lease for longer than it lasts; these keep one attempt well under it.
 */
const TIMEOUTS = {
  connectionTimeout: 10_000,
  greetingTimeout: 10_000,
  socketTimeout: 30_000,
  dnsTimeout: 10_000,
}

/**
 * The SMTP server of a `smtp://` or `smtps://` URL as options: host, port, implicit TLS for `smtps`
 * (port 465 by default) or STARTTLS when offered for `smtp` (port 587 by default), and the
 * percent-decoded credentials when the URL has some.
 */
export function smtpOptions(smtpUrl: string): {
  host: string
  port: number
  secure: boolean
  auth?: { user: string; pass: string }
} {
  const url = new URL(smtpUrl)
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:')
    throw new Error('CAIRN_SMTP_URL must start with smtp:// or smtps://')
  const secure = url.protocol === 'smtps:'
  const port = url.port ? Number(url.port) : secure ? 465 : 587
  const user = decodeURIComponent(url.username)
  const pass = decodeURIComponent(url.password)
  // IPv6 literals come bracketed from URL; the socket wants them bare.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
  return { host, port, secure, ...(user || pass ? { auth: { user, pass } } : {}) }
}

/** The SMTP URL without its credentials (`smtp://mail.example.org:587`), for the start-up log. */
export function describeSmtpUrl(smtpUrl: string): string {
  const { host, port, secure } = smtpOptions(smtpUrl)
  return `${secure ? 'smtps' : 'smtp'}://${host.includes(':') ? `[${host}]` : host}:${port}`
}

/**
 * Email over SMTP (nodemailer), one connection per message (no pool: the outbox sends little, and a
 * connection that broke while idle is then never reused). Sends `{from, to, subject, html, text}`.
 */
export class SmtpTransport implements EmailTransport {
  readonly #transport

  /** `smtpUrl`: CAIRN_SMTP_URL (checked by loadConfig). */
  constructor(smtpUrl: string) {
    this.#transport = createTransport({ ...smtpOptions(smtpUrl), ...TIMEOUTS, pool: false, logger: false })
  }

  /** See EmailTransport.send. */
  async send(mail: EmailContent): Promise<void> {
    await this.#transport.sendMail({
      from: mail.from,
      to: mail.to,
      subject: mail.subject,
      html: mail.html,
      ...(mail.text !== undefined ? { text: mail.text } : {}),
    })
  }

  /** See EmailTransport.close. */
  close(): void {
    this.#transport.close()
  }
}
