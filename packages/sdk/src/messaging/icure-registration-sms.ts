import type { HealthcareProfessional, Patient, User } from '../models/index.ts'
import type { SMSMessage, SMSMessageFactory } from './message-factory.ts'
import { registrationText } from './registration-text.ts'

/**
 * MedTech's invitation SMS: the registration sentence (who invites, to what, the link, the invited
 * user's login and credential) as its text.
 */
export class ICureRegistrationSMS implements SMSMessageFactory {
  constructor(
    readonly dataOwner: HealthcareProfessional | Patient,
    readonly link: string,
    readonly solutionName: string,
    readonly patient: Patient,
  ) {}

  /** The SMS for `recipient`, with `recipientPassword` as its credential. */
  get(recipient: User, recipientPassword: string): SMSMessage {
    return {
      message: registrationText(
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
