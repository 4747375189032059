import { Address, Telecom, type PotentiallyEncryptedPatient } from '@cairn/sdk'

/** The patient's email, as an invitation reaches it: the first email telecom, home addresses first. */
export function patientEmail(p: PotentiallyEncryptedPatient | undefined): string | undefined {
  const addresses = [...(p?.addresses ?? [])].sort(
    (a, b) => Number(b.addressType === 'home') - Number(a.addressType === 'home'),
  )
  for (const a of addresses)
    for (const t of a.telecoms ?? []) if (t.telecomType === 'email' && t.telecomNumber) return t.telecomNumber
  return undefined
}

/**
 * The patient's addresses with `email` as the email of its home address (added, replaced, or removed
 * when empty); every other address and telecom is kept as it was.
 */
export function withEmail(addresses: readonly Address[], email: string): Address[] {
  const value = email.trim()
  const others = addresses.filter((a) => a.addressType !== 'home')
  const home = addresses.find((a) => a.addressType === 'home')
  const telecoms = (home?.telecoms ?? []).filter((t) => t.telecomType !== 'email')
  if (value) telecoms.unshift(new Telecom({ telecomType: 'email', telecomNumber: value }))
  if (!home && telecoms.length === 0) return [...others]
  return [new Address({ ...(home ?? {}), addressType: 'home', telecoms }), ...others]
}
