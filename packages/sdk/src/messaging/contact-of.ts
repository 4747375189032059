import type { Address, AddressAddressTypeEnum, TelecomTelecomTypeEnum } from '../models/index.ts'

/**
 * MedTech's contact lookup: among the addresses (of `addressType`, or of any type when omitted) that
 * have a telecom of `telecomType` with a number, the first such address, and in it the last such
 * telecom's number. Undefined when there is none.
 */
export function contactOf(
  addresses: readonly Address[] | undefined,
  telecomType: TelecomTelecomTypeEnum,
  addressType?: AddressAddressTypeEnum,
): string | undefined {
  for (const address of addresses ?? []) {
    if (addressType !== undefined && address.addressType !== addressType) continue
    const numbers = (address.telecoms ?? [])
      .filter((t) => t.telecomType === telecomType && t.telecomNumber)
      .map((t) => t.telecomNumber!)
    if (numbers.length > 0) return numbers[numbers.length - 1]
  }
  return undefined
}

/** Where an invitation goes: an email address or a mobile phone number. */
export type InvitationContact = { email: string } | { mobilePhone: string }

/**
 * The contact an invitation is sent to (MedTech §5.4 step 4), the first found of: home email, home
 * mobile, work email, work mobile, any email, any mobile.
 */
export function invitationContactOf(
  addresses: readonly Address[] | undefined,
): InvitationContact | undefined {
  const order: [TelecomTelecomTypeEnum, AddressAddressTypeEnum | undefined][] = [
    ['email', 'home'],
    ['mobile', 'home'],
    ['email', 'work'],
    ['mobile', 'work'],
    ['email', undefined],
    ['mobile', undefined],
  ]
  for (const [telecomType, addressType] of order) {
    const found = contactOf(addresses, telecomType, addressType)
    if (found) return telecomType === 'email' ? { email: found } : { mobilePhone: found }
  }
  return undefined
}
