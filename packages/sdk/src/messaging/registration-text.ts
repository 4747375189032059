import type { HealthcareProfessional, Patient, User } from '../models/index.ts'

/**
 * The sentence of MedTech's registration messages (ICureRegistrationEmail's body, ICureRegistrationSMS's
 * text): the greeting of the invited patient, who invites it, to what, where to go and the credentials
 * (login and password) to use there.
 */
export function registrationText(
  patient: Patient,
  dataOwner: HealthcareProfessional | Patient,
  solutionName: string,
  link: string,
  recipient: User,
  recipientPassword: string,
): string {
  return (
    `Dear ${patient.firstName}, you have been invited by ${dataOwner.lastName} to use ${solutionName}. ` +
    `Go to the link ${link} and use the following credentials : ${recipient.login} & ${recipientPassword}`
  )
}
