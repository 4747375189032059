import { SdkError } from '../http/sdk-error.ts'
import { validateEmail } from './validate-email.ts'

/** A mobile phone number in international format: `+`, a non-zero digit, then 3 to 14 digits. */
const MOBILE_PHONE = /^\+[1-9][0-9]{3,14}$/

/**
 * The phone number, if it is a mobile number in international format (`+XXXXXXXXX`); else MedTech's
 * error (a BAD_REQUEST SdkError with status 0, raised before any request). The message gateway sends
 * SMS only to such numbers.
 */
export function validateMobilePhone(phone: string): string {
  if (typeof phone === 'string' && MOBILE_PHONE.test(phone)) return phone
  throw new SdkError(
    'BAD_REQUEST',
    'Invalid phone number. Provided mobile phone must satisfy the following format : +XXXXXXXXX',
  )
}

/**
 * MedTech's `Sanitizer`: the checks the SDK makes on the email addresses and phone numbers a code or
 * an invitation is sent to, with MedTech's messages (medtech-api.md §9.1), before any request.
 */
export const Sanitizer = {
  /** The email, if it contains `local-part@domain.extension`; throws MedTech's message otherwise. */
  validateEmail,
  /** The phone number, if it is `+` and 4 to 15 digits; throws MedTech's message otherwise. */
  validateMobilePhone,
} as const
