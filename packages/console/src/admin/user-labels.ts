import type { User } from '@cairn/sdk'

/** A user's account state: the server's `status` (absent on accounts that were never disabled). */
export function statusOf(user: User): 'ACTIVE' | 'DISABLED' {
  return (user as User & { status?: string }).status === 'DISABLED' ? 'DISABLED' : 'ACTIVE'
}

/** What a user acts as, in words, with the data owner's id when it has one. */
export function actsAs(user: User): { kind: string; id?: string } {
  if (user.healthcarePartyId) return { kind: 'Healthcare professional', id: user.healthcarePartyId }
  if (user.patientId) return { kind: 'Patient', id: user.patientId }
  if (user.deviceId) return { kind: 'Medical device', id: user.deviceId }
  if (user.roles.has('ADMIN')) return { kind: 'Administrator' }
  return { kind: 'No data owner' }
}
