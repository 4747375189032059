import { describe, expect, it } from 'vitest'
import { Sanitizer, validateMobilePhone } from './sanitizer.ts'

const PHONE_ERROR =
  'Invalid phone number. Provided mobile phone must satisfy the following format : +XXXXXXXXX'

describe('Sanitizer (MedTech §9.1)', () => {
  it('accepts international mobile numbers of 4 to 15 digits', () => {
    for (const phone of ['+32475123456', '+1234', '+123456789012345'])
      expect(validateMobilePhone(phone)).toBe(phone)
  })

  it('refuses anything else with the MedTech message, as a BAD_REQUEST before any request', () => {
    for (const phone of [
      '',
      '32475123456',
      '+0475123456',
      '+123',
      '+1234567890123456',
      '+32 475 12 34 56',
      ' +32475123456',
    ])
      expect(() => validateMobilePhone(phone)).toThrow(PHONE_ERROR)
    expect(() => Sanitizer.validateMobilePhone('0475')).toThrow(
      expect.objectContaining({ code: 'BAD_REQUEST', status: 0 }),
    )
  })

  it('validates emails with the MedTech message', () => {
    expect(Sanitizer.validateEmail('jane@example.org')).toBe('jane@example.org')
    expect(() => Sanitizer.validateEmail('jane@localhost')).toThrow(
      'Invalid email address. Provided email must satisfy the format RFC5322 : local-part@domain.extension',
    )
  })
})
