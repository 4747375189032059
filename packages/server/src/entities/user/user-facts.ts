import type { EncryptedEntityDto, UserDto } from '@cairn/protocol'
import type { Caller } from '../../auth/caller.ts'
import {
  canReadEntity,
  type DataOwnerLinkTarget,
  type ManagedUser,
  type UserLink,
} from '../../access/access-policy.ts'
import type { DocTable, Storage, StoredDoc, UserRow } from '../../storage/storage.ts'
import { parseUser } from './user-row.ts'

/** The document table of each kind of data-owner link. */
const LINK_TABLES: Record<UserLink['field'], DocTable> = {
  healthcarePartyId: 'healthcareProfessional',
  patientId: 'patient',
  deviceId: 'medicalDevice',
}

/** `responsible` of a stored record, when it names someone. */
function responsibleOf(doc: StoredDoc | undefined): string | undefined {
  if (!doc || doc.deleted) return undefined
  const responsible = (JSON.parse(doc.doc) as { responsible?: unknown }).responsible
  return typeof responsible === 'string' ? responsible : undefined
}

/**
 * Whether the device's responsible professional can change what `caller` may do with the user: only
 * for a professional that is not already the user itself, an admin or the user's creator. Skipping
 * the lookup otherwise keeps reads of one's own user at one query.
 */
function needsDevice(caller: Caller, row: UserRow, user: UserDto): user is UserDto & { deviceId: string } {
  return (
    user.deviceId !== undefined &&
    !caller.isAdmin &&
    caller.userId !== row.id &&
    caller.dataOwnerType === 'HealthcareProfessional' &&
    caller.dataOwnerId !== row.managedBy
  )
}

/**
 * The facts the manager rule needs about a stored user, for this caller: who created it, its roles,
 * and (when it matters) the responsible professional of its device.
 */
export async function managedUserFor(
  storage: Storage,
  caller: Caller,
  row: UserRow,
  user: UserDto = parseUser(row),
): Promise<ManagedUser> {
  const base: ManagedUser = { id: row.id, managedBy: row.managedBy, roles: user.roles ?? [] }
  if (!needsDevice(caller, row, user)) return base
  return { ...base, deviceResponsible: responsibleOf(await storage.getDoc('medicalDevice', user.deviceId)) }
}

/** managedUserFor for a page of users, with one query for all their devices. */
export async function managedUsersFor(
  storage: Storage,
  caller: Caller,
  rows: readonly UserRow[],
): Promise<{ row: UserRow; user: UserDto; managed: ManagedUser }[]> {
  const parsed = rows.map((row) => ({ row, user: parseUser(row) }))
  const deviceIds = parsed.flatMap(({ row, user }) => (needsDevice(caller, row, user) ? [user.deviceId] : []))
  const devices = new Map(
    deviceIds.length > 0
      ? (await storage.getDocs('medicalDevice', deviceIds)).map((d) => [d.id, d] as const)
      : [],
  )
  return parsed.map(({ row, user }) => {
    const managed: ManagedUser = { id: row.id, managedBy: row.managedBy, roles: user.roles ?? [] }
    if (needsDevice(caller, row, user)) managed.deviceResponsible = responsibleOf(devices.get(user.deviceId))
    return { row, user, managed }
  })
}

/**
 * What the link rule needs about the data owner a user is to be linked to: whether its record exists
 * (of the kind the field names), whether the caller may see it, and its responsible professional.
 */
export async function linkTargetOf(
  storage: Storage,
  caller: Caller,
  link: UserLink,
): Promise<DataOwnerLinkTarget> {
  const stored = await storage.getDoc(LINK_TABLES[link.field], link.id)
  if (!stored || stored.deleted) return { ...link, exists: false, visible: false }
  // Professionals and devices are public directory records; a patient record is visible to its readers.
  const visible =
    link.field !== 'patientId' ||
    canReadEntity(caller, 'patient', JSON.parse(stored.doc) as EncryptedEntityDto)
  return { ...link, exists: true, visible, responsible: responsibleOf(stored) }
}
