import type { AuthChannel } from '@cairn/protocol'
import { badRequest } from '../http/app-error.ts'

/** MedTech's sanitizer texts (medtech-api.md §9.1), which the SDK shows for the same mistakes. */
export const INVALID_EMAIL =
  'Invalid email address. Provided email must satisfy the format RFC5322 : local-part@domain.extension'
export const INVALID_PHONE =
  'Invalid phone number. Provided mobile phone must satisfy the following format : +XXXXXXXXX'

/**
 * `local-part@domain.extension`: a dot-atom local part (RFC 5322 atext characters) and a domain of at
 * least two labels. Unlike the SDK's check (which looks for an address *in* the text, as MedTech's
 * sanitizer does), the whole value must be the address: it is where the server sends.
 */
const EMAIL =
  /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]*[a-z0-9])?$/i

/** A mobile phone number in international format. */
const PHONE = /^\+[1-9][0-9]{3,14}$/

/** The email as users' email columns hold it (lower-cased), or the 400 of MedTech's sanitizer. */
export function normaliseEmail(email: string): string {
  const trimmed = email.trim()
  if (trimmed.length > 320 || !EMAIL.test(trimmed)) throw badRequest(INVALID_EMAIL)
  return trimmed.toLowerCase()
}

/** The phone number, or the 400 of MedTech's sanitizer. */
export function normalisePhone(phone: string): string {
  const trimmed = phone.trim()
  if (!PHONE.test(trimmed)) throw badRequest(INVALID_PHONE)
  return trimmed
}

/** The recipient of a channel in the form the gateway stores and compares it. */
export function normaliseRecipient(channel: AuthChannel, value: string): string {
  return channel === 'email' ? normaliseEmail(value) : normalisePhone(value)
}
