import { describe, expect, it } from 'vitest'
import { validateEmail } from './validate-email.ts'

describe('validateEmail (MedTech sanitizer)', () => {
  it('accepts an address, and text containing one (the pattern is searched, as in MedTech)', () => {
    for (const email of ['jane@example.org', 'J.Doe+tag@sub.example.co.uk', 'Jane <jane@example.org>'])
      expect(validateEmail(email)).toBe(email)
  })

  it('refuses anything without local-part@domain.extension, with the MedTech message', () => {
    for (const email of ['', 'jane', 'jane@localhost', '@example.org', 'jane@.org'])
      expect(() => validateEmail(email)).toThrow(
        'Invalid email address. Provided email must satisfy the format RFC5322 : local-part@domain.extension',
      )
  })
})
