import { maskRecipient } from './mask-recipient.ts'

/** Longest error text kept in the outbox and logs. */
const MAX_LENGTH = 500

/** Email addresses and international phone numbers, wherever they appear in an error text. */
const ADDRESSES = /[^\s<>"'(),;:]+@[^\s<>"'(),;:]+|\+[0-9]{6,15}/g

/**
 * What went wrong with a send, fit for the outbox row and the logs: the error's message with its
 * code (`ECONNREFUSED`, SMTP `responseCode`...) and, for fetch, its cause; every address in it masked
 * (a mail server's answer often names the recipient), bounded in length. A transport never puts the
 * content in its errors; this never adds it either.
 */
export function describeSendError(error: unknown): string {
  const parts: string[] = []
  if (error instanceof Error) {
    const detail = error as Error & { code?: unknown; responseCode?: unknown; cause?: unknown }
    parts.push(error.message || error.name)
    if (typeof detail.code === 'string') parts.push(`code ${detail.code}`)
    if (typeof detail.responseCode === 'number') parts.push(`SMTP ${detail.responseCode}`)
    const cause = detail.cause as (Error & { code?: unknown }) | undefined
    if (cause instanceof Error) {
      parts.push(`cause: ${cause.message}${typeof cause.code === 'string' ? ` (${cause.code})` : ''}`)
    }
  } else {
    parts.push(String(error))
  }
  const text = parts
    .join('; ')
    .replace(/\s+/g, ' ')
    .replace(ADDRESSES, (found) => maskRecipient(found))
  return text.length > MAX_LENGTH ? `${text.slice(0, MAX_LENGTH - 1)}…` : text
}
