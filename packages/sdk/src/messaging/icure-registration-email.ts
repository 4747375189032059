import { SdkError } from '../http/sdk-error.ts'
import type { HealthcareProfessional, Patient, User } from '../models/index.ts'
import { contactOf } from './contact-of.ts'
import type { EmailMessage, EmailMessageFactory } from './message-factory.ts'
import { registrationText } from './registration-text.ts'

/**
 * MedTech's invitation email: "You have been invited to use <solutionName>", from the inviting data
 * owner's email address (an email telecom of any of its addresses; the constructor throws
 * `HCP does not have a valid email!` without one), its body the registration sentence with the
 * invited user's login and credential.
 */
export class ICureRegistrationEmail implements EmailMessageFactory {
  readonly hcpEmail: string

  constructor(
    readonly dataOwner: HealthcareProfessional | Patient,
    readonly link: string,
    readonly solutionName: string,
    readonly patient: Patient,
  ) {
    const email = contactOf(dataOwner.addresses, 'email')
    if (!email) throw new SdkError('BAD_REQUEST', 'HCP does not have a valid email!')
    this.hcpEmail = email
  }

  /** The email for `recipient`, with `recipientPassword` as its credential. */
  get(recipient: User, recipientPassword: string): EmailMessage {
    return {
      from: this.hcpEmail,
      subject: `You have been invited to use ${this.solutionName}`,
      html: registrationText(
        this.patient,
        this.dataOwner,
        this.solutionName,
        this.link,
        recipient,
        recipientPassword,
      ),
    }
  }
}
