import { describe, expect, it } from 'vitest'
import { Address, HealthcareProfessional, Patient, Telecom, User } from '../models/index.ts'
import { contactOf, invitationContactOf } from './contact-of.ts'
import { ICureRegistrationEmail } from './icure-registration-email.ts'
import { ICureRegistrationSMS } from './icure-registration-sms.ts'

const address = (addressType: Address['addressType'], ...telecoms: [Telecom['telecomType'], string][]) =>
  new Address({
    addressType,
    telecoms: telecoms.map(([telecomType, telecomNumber]) => new Telecom({ telecomType, telecomNumber })),
  })

const doctor = new HealthcareProfessional({
  firstName: 'Gregory',
  lastName: 'House',
  addresses: [address('home', ['phone', '+3221234567']), address('work', ['email', 'house@example.org'])],
})
const patient = new Patient({ firstName: 'John', lastName: 'Snow' })
const recipient = new User({ login: 'john@example.org' })
const SENTENCE =
  'Dear John, you have been invited by House to use Cairn Health. Go to the link https://app.example.org ' +
  'and use the following credentials : john@example.org & tok3n'

describe('ICureRegistrationEmail and ICureRegistrationSMS (MedTech §5.4)', () => {
  it('write MedTech texts: the subject, the sentence, and the sender from the inviting professional', () => {
    const email = new ICureRegistrationEmail(doctor, 'https://app.example.org', 'Cairn Health', patient)
    expect(email.hcpEmail).toBe('house@example.org')
    expect(email.get(recipient, 'tok3n')).toEqual({
      from: 'house@example.org',
      subject: 'You have been invited to use Cairn Health',
      html: SENTENCE,
    })
    const sms = new ICureRegistrationSMS(doctor, 'https://app.example.org', 'Cairn Health', patient)
    expect(sms.get(recipient, 'tok3n')).toEqual({ message: SENTENCE })
    expect(sms).toMatchObject({ dataOwner: doctor, link: 'https://app.example.org', patient })
  })

  it('refuses an email factory for a professional without an email address', () => {
    const noEmail = new HealthcareProfessional({
      lastName: 'NoMail',
      addresses: [address('work', ['mobile', '+32470000000'])],
    })
    expect(() => new ICureRegistrationEmail(noEmail, 'l', 's', patient)).toThrow(
      'HCP does not have a valid email!',
    )
    expect(() => new ICureRegistrationEmail(new HealthcareProfessional({}), 'l', 's', patient)).toThrow(
      'HCP does not have a valid email!',
    )
    // The SMS needs no address of the inviter.
    expect(new ICureRegistrationSMS(noEmail, 'l', 's', patient).get(recipient, 't').message).toContain(
      'NoMail',
    )
  })
})

describe('the contact an invitation goes to', () => {
  it('is the last telecom of its kind in the first address having one', () => {
    const addresses = [
      address('work', ['email', 'first@example.org'], ['email', 'last@example.org']),
      address('work', ['email', 'second-address@example.org']),
    ]
    expect(contactOf(addresses, 'email')).toBe('last@example.org')
    expect(contactOf(addresses, 'email', 'home')).toBeUndefined()
    expect(contactOf([address('home', ['email', ''])], 'email')).toBeUndefined()
  })

  it('prefers home email, home mobile, work email, work mobile, then any email, then any mobile', () => {
    const home = address('home', ['email', 'home@example.org'], ['mobile', '+32470000001'])
    const work = address('work', ['email', 'work@example.org'], ['mobile', '+32470000002'])
    const other = address('other', ['email', 'other@example.org'], ['mobile', '+32470000003'])
    expect(invitationContactOf([other, work, home])).toEqual({ email: 'home@example.org' })
    expect(invitationContactOf([other, work, address('home', ['mobile', '+32470000001'])])).toEqual({
      mobilePhone: '+32470000001',
    })
    expect(invitationContactOf([other, work])).toEqual({ email: 'work@example.org' })
    expect(invitationContactOf([other, address('work', ['mobile', '+32470000002'])])).toEqual({
      mobilePhone: '+32470000002',
    })
    expect(invitationContactOf([other])).toEqual({ email: 'other@example.org' })
    expect(
      invitationContactOf([address('postal', ['mobile', '+32470000003'], ['phone', '+3221111111'])]),
    ).toEqual({
      mobilePhone: '+32470000003',
    })
    expect(invitationContactOf([address('home', ['phone', '+3221111111'])])).toBeUndefined()
    expect(invitationContactOf(undefined)).toBeUndefined()
  })
})
