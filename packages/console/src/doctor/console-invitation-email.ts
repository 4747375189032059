import type { EmailMessage, EmailMessageFactory, HealthcareProfessional, Patient, User } from '@cairn/sdk'
import { invitationLink } from '../session/invitation-link.ts'

/** Escapes text for the HTML body of the email. */
function html(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

/**
 * The invitation a doctor sends from the console: a link to this console's "accept invitation"
 * screen carrying the invitee's login and single-use token in the URL fragment
 * (session/invitation-link.ts), and nothing else: the token is never written out as a credential to
 * type into the sign-in form (a sign-in with it would spend it without setting a password). The token the SDK
 * gives `get` is a placeholder the server replaces with the real one, so it is put in as is (the
 * server refuses a message without it). The sender is the application's (docs/messaging.md): the
 * doctor's address, when it has one, is only the reply address.
 */
export class ConsoleInvitationEmail implements EmailMessageFactory {
  constructor(
    readonly dataOwner: HealthcareProfessional,
    readonly patient: Patient,
    /** The console's origin, e.g. `https://cairn.example.org`. */
    private readonly origin: string,
    private readonly appName: string,
    private readonly doctorEmail: string | undefined,
  ) {}

  /** Where the invitee goes: the console itself. */
  get link(): string {
    return `${this.origin}/`
  }

  /** The email for `recipient`, with `recipientPassword` (the token placeholder) as its credential. */
  get(recipient: User, recipientPassword: string): EmailMessage {
    const login = recipient.login ?? recipient.email ?? ''
    const link = invitationLink(this.origin, login, recipientPassword)
    const doctor =
      [this.dataOwner.firstName, this.dataOwner.lastName].filter(Boolean).join(' ') || 'your doctor'
    const greeting = this.patient.firstName ? `Dear ${this.patient.firstName},` : 'Hello,'
    return {
      ...(this.doctorEmail ? { from: this.doctorEmail } : {}),
      subject: `You have been invited to use ${this.appName}`,
      html:
        `<p>${html(greeting)} ${html(doctor)} invited you to use ${html(this.appName)}, where you can read ` +
        `your health records.</p><p><a href="${link}">Accept the invitation</a></p>` +
        `<p>The link works once and expires in 48 hours. Your keys are made in your browser when you accept.</p>`,
    }
  }
}
