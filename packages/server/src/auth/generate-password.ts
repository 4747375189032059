import { randomBytes } from 'node:crypto'

/**
 * A generated password (the first admin's, a reset one): 18 random bytes (144 bits) in base64url.
 * Never starting with '-': such passwords are pasted after command-line flags, where parseArgs would
 * take "--password -x…" for a missing value (mapping one of 64 first characters costs no meaningful
 * entropy).
 */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url').replace(/^-/, 'A')
}
