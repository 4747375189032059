import { ADMIN_ROLE, type UserDto } from '@cairn/protocol'
import type { UserRow } from '../storage/storage.ts'
import type { Caller } from './caller.ts'

/** Derives the caller of request `requestId` from a stored user: its data owner, and whether it is an admin. */
export function callerFromUser(row: UserRow, requestId: string): Caller {
  const user = JSON.parse(row.doc) as UserDto
  const base = { userId: row.id, requestId, isAdmin: user.roles.includes(ADMIN_ROLE) }
  if (user.healthcarePartyId)
    return { ...base, dataOwnerId: user.healthcarePartyId, dataOwnerType: 'HealthcareProfessional' }
  if (user.patientId) return { ...base, dataOwnerId: user.patientId, dataOwnerType: 'Patient' }
  if (user.deviceId) return { ...base, dataOwnerId: user.deviceId, dataOwnerType: 'MedicalDevice' }
  return base
}
