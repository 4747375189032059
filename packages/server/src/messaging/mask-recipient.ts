/**
 * A recipient as logs show it: enough to tell messages apart and to see which domain or country they
 * go to, not enough to know who receives them. `john.doe@example.org` → `j***@example.org`,
 * `+32475123456` → `+32***56`; anything else keeps its first character only.
 */
export function maskRecipient(recipient: string): string {
  const at = recipient.lastIndexOf('@')
  if (at >= 0) {
    const local = recipient.slice(0, at)
    return `${local.slice(0, 1)}***${recipient.slice(at)}`
  }
  if (/^\+?[0-9 ()./-]+$/.test(recipient)) {
    const digits = recipient.replace(/[^0-9+]/g, '')
    return digits.length > 6 ? `${digits.slice(0, 3)}***${digits.slice(-2)}` : '***'
  }
  return recipient.length > 1 ? `${recipient.slice(0, 1)}***` : '***'
}
