import type { UserDto, UserViewDto } from '@cairn/protocol'

/**
 * Fields of a user every healthcare professional may see (docs/access.md): enough to find a
 * colleague's or a patient's user (MedTech apps filter users by patient id), nothing to contact or
 * impersonate it. The rev is left out too: a directory reader cannot modify the user, and the rev
 * would tell how often the account changed.
 */
const DIRECTORY_FIELDS = ['id', 'name', 'healthcarePartyId', 'patientId', 'deviceId', 'status'] as const

/** The user as a caller with that visibility sees it: the whole document, or its directory fields. */
export function userView(user: UserDto, visibility: 'full' | 'directory'): UserViewDto {
  if (visibility === 'full') return user
  const view: Record<string, unknown> = {}
  for (const field of DIRECTORY_FIELDS) if (user[field] !== undefined) view[field] = user[field]
  return view as UserViewDto
}
