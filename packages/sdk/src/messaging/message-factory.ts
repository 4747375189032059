import type { HealthcareProfessional, Patient, User } from '../models/index.ts'

/** MedTech `EmailMessage`: an email as the message gateway sends it. */
export interface EmailMessage {
  /** Sender address (the gateway may use its own and keep this one as the reply address). */
  from?: string
  subject: string
  /** The body; ICureRegistrationEmail writes plain text. */
  html: string
}

/** MedTech `SMSMessage`: the text of an SMS. */
export interface SMSMessage {
  message: string
}

/**
 * MedTech `MsgGtwMessageFactory`: builds the message inviting a user (`userApi.createAndInviteUser`).
 * `get` receives the user just created and the credential to give it; in Cairn that credential is a
 * placeholder, which the server replaces with the single-use invitation token it mints, so that the
 * inviter's device never holds the invitee's credential. Put `recipientPassword` in the message as it
 * should appear (subject, body or SMS text) and do not transform it.
 */
export interface MsgGtwMessageFactory<T> {
  /** The data owner inviting (its name, and for emails its address, appear in the message). */
  dataOwner: HealthcareProfessional | Patient
  /** Where the invited user goes to log in (a link to the app). */
  link: string
  /** The patient invited (its first name greets it). */
  patient: Patient
  /** The message for `recipient`, with `recipientPassword` as its credential. */
  get(recipient: User, recipientPassword: string): T
}

/** A factory of invitation emails. */
export type EmailMessageFactory = MsgGtwMessageFactory<EmailMessage>

/** A factory of invitation SMS. */
export type SMSMessageFactory = MsgGtwMessageFactory<SMSMessage>
