import { SdkError } from '../http/sdk-error.ts'

/**
 * An address `local-part@domain.extension` somewhere in the text: a dot-atom local part (RFC 5322
 * atext characters), and a domain of at least two labels. Like MedTech's sanitizer it looks for the
 * pattern *in* the text (unanchored), so the same inputs pass.
 */
const EMAIL =
  /[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]*[a-z0-9])?/i

/**
 * The email, if it looks like one; else the MedTech error (as a BAD_REQUEST SdkError with status 0,
 * raised before any request).
 */
export function validateEmail(email: string): string {
  if (typeof email === 'string' && EMAIL.test(email)) return email
  throw new SdkError(
    'BAD_REQUEST',
    'Invalid email address. Provided email must satisfy the format RFC5322 : local-part@domain.extension',
  )
}
