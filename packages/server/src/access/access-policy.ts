import type { DelegationDto, EncryptedEntityDto, EntityType, UserWriteDto } from '@cairn/protocol'
import type { Caller } from '../auth/caller.ts'
import { badRequest, conflict, forbidden, notFound, type AppError } from '../http/app-error.ts'

/**
 * The single place that decides what a caller may do. Every rule is a pure function of the caller,
 * the stored document and the requested one; services fetch the facts and call these. Rights to
 * encrypted entities come only from the keys of `systemMetaData.delegations` (plus a patient's
 * right to its own record).
 */

const MAPS = ['delegations', 'encryptionKeys', 'cryptedForeignKeys'] as const

/** The data owner id the caller acts as, or a 403 if it is none. */
export function requireDataOwner(caller: Caller): string {
  if (!caller.dataOwnerId)
    throw forbidden('This user is not a data owner (healthcare professional, patient or device)')
  return caller.dataOwnerId
}

/** The data owners with access to an entity: the keys of its delegation map. */
export function accessorsOf(doc: EncryptedEntityDto): string[] {
  return Object.keys(doc.systemMetaData.delegations)
}

/**
 * The read rule: the caller may read an entity it is a delegate of, or its own patient record.
 * `isDelegate` comes from the document's delegations or from the access index built from them.
 */
function mayRead(caller: Caller, type: EntityType, id: string, isDelegate: boolean): boolean {
  const me = caller.dataOwnerId
  if (!me) return false
  if (type === 'patient' && caller.dataOwnerType === 'Patient' && id === me) return true
  return isDelegate
}

/** True if the caller may read the entity: it is a delegate, or the entity is the caller's own patient record. */
export function canReadEntity(caller: Caller, type: EntityType, doc: EncryptedEntityDto): boolean {
  const me = caller.dataOwnerId
  const isDelegate = !!me && Object.prototype.hasOwnProperty.call(doc.systemMetaData.delegations, me)
  return mayRead(caller, type, doc.id, isDelegate)
}

/**
 * The one answer for an entity the caller may not see, whether it exists or not: a 404 that names
 * only what the caller asked for. Answering "no access" for an existing id and "not found" for an
 * unknown one would let anyone holding an id learn that the entity exists (docs/compatibility.md).
 */
export function entityNotFound(type: EntityType, id: string): AppError {
  return notFound(`${type} ${id} not found`)
}

/** 404 (entityNotFound) unless the caller may read the entity. */
export function assertCanReadEntity(caller: Caller, type: EntityType, doc: EncryptedEntityDto): void {
  assertCanReadStored(type, doc.id, canReadEntity(caller, type, doc))
}

/**
 * 404 (entityNotFound) unless the caller may read entity `id`, knowing from the access index whether
 * the caller is one of its delegates (Storage.getDocFor): the read path decides without parsing the
 * document.
 */
export function assertCanReadEntityById(
  caller: Caller,
  type: EntityType,
  id: string,
  isDelegate: boolean,
): void {
  assertCanReadStored(type, id, mayRead(caller, type, id, isDelegate))
}

function assertCanReadStored(type: EntityType, id: string, allowed: boolean): void {
  if (!allowed) throw entityNotFound(type, id)
}

/** Every delegation entry must sit under the key of its delegate. */
function assertWellFormed(doc: EncryptedEntityDto): void {
  for (const map of MAPS) {
    for (const [delegate, entries] of Object.entries(doc.systemMetaData[map])) {
      for (const e of entries) {
        if (e.delegatedTo !== delegate) {
          throw badRequest(`systemMetaData.${map}.${delegate} holds an entry delegated to ${e.delegatedTo}`)
        }
      }
    }
  }
}

/** Identity of a delegation entry: every field counts (tags included), so no part of another's entry can change. */
const entryKey = (map: string, e: DelegationDto) =>
  `${map}|${e.delegatedTo}|${e.owner}|${e.key}|${JSON.stringify([...(e.tags ?? [])].sort())}`

function entriesOf(doc: EncryptedEntityDto): Map<string, DelegationDto> {
  const all = new Map<string, DelegationDto>()
  for (const map of MAPS) {
    for (const entries of Object.values(doc.systemMetaData[map]))
      for (const e of entries) all.set(entryKey(map, e), e)
  }
  return all
}

/** Compares key fields as sets: absent and empty are the same, order does not matter. */
const sameKeys = (a: unknown, b: unknown): boolean => {
  const norm = (v: unknown): unknown[] =>
    Array.isArray(v) ? [...(v as unknown[])].sort() : v === undefined || v === null || v === '' ? [] : [v]
  return JSON.stringify(norm(a)) === JSON.stringify(norm(b))
}

/**
 * Create: the caller must be a data owner, include a delegation to itself, and own every entry it
 * writes (it cannot forge entries "from" someone else). Only a patient may publish keys on its own record.
 */
export function assertCanCreateEntity(caller: Caller, type: EntityType, doc: EncryptedEntityDto): void {
  const me = requireDataOwner(caller)
  assertWellFormed(doc)
  const own = doc.systemMetaData.delegations[me] ?? []
  if (!own.some((e) => e.owner === me)) {
    throw forbidden(`A new ${type} must include a delegation from data owner ${me} to itself`)
  }
  for (const e of entriesOf(doc).values()) {
    if (e.owner !== me) throw forbidden(`Cannot create delegations on behalf of data owner ${e.owner}`)
  }
  // A notification is a request from its responsible data owner (MedTech): the server sets it to the
  // creator, and refuses one naming someone else rather than silently rewriting who is asking.
  if (type === 'notification' && doc.responsible !== undefined && doc.responsible !== me) {
    throw forbidden(
      `A new notification's responsible must be the data owner creating it (${me}), not ${String(doc.responsible)}`,
    )
  }
  if (type === 'patient' && doc.id !== me) {
    const meta = doc.systemMetaData
    if (
      meta.publicKey ||
      (meta.publicKeysForOaepWithSha256?.length ?? 0) > 0 ||
      listOf(meta.keyStatements).length > 0
    ) {
      throw forbidden('Only a patient may publish public keys on its own record')
    }
  }
}

/**
 * Modify or share: the caller must have access to the stored entity (404 otherwise, as if it did not
 * exist: entityNotFound); entries owned by other data
 * owners must stay exactly as stored (no removal, no alteration); new entries must be the caller's.
 * A patient's public keys can be changed only by that patient.
 */
export function assertCanModifyEntity(
  caller: Caller,
  type: EntityType,
  stored: EncryptedEntityDto,
  next: EncryptedEntityDto,
): void {
  const me = requireDataOwner(caller)
  assertCanReadEntity(caller, type, stored)
  assertWellFormed(next)
  const before = entriesOf(stored)
  const after = entriesOf(next)
  for (const [k, e] of before) {
    if (e.owner !== me && !after.has(k)) {
      throw forbidden(`Cannot remove or alter the delegation of data owner ${e.owner} to ${e.delegatedTo}`)
    }
  }
  for (const [k, e] of after) {
    if (!before.has(k) && e.owner !== me) {
      throw forbidden(`Cannot add delegations on behalf of data owner ${e.owner}`)
    }
  }
  if (type === 'patient') {
    assertKeyChange(stored.id === me, 'patient', stored.id, stored.systemMetaData, next.systemMetaData)
  }
}

/**
 * Deleting an encrypted entity: only its delegates (the data owners its delegation map names) may,
 * the same data owners that read and modify it. Anyone else gets the 404 of an unknown id (no
 * existence oracle). A patient reading its own record without being one of its delegates gets a 403
 * instead: it knows the record exists, and that record is the identity its user acts as.
 */
export function assertCanDeleteEntity(caller: Caller, type: EntityType, doc: EncryptedEntityDto): void {
  const me = requireDataOwner(caller)
  if (Object.prototype.hasOwnProperty.call(doc.systemMetaData.delegations, me)) return
  if (canReadEntity(caller, type, doc))
    throw forbidden(
      `Data owner ${me} may not delete ${type} ${doc.id}: only the data owners it is shared with may`,
    )
  throw entityNotFound(type, doc.id)
}

/**
 * A data sample links to healthcare elements (`healthcareElementIds`, clear on the wire) only if each
 * of them exists, is not deleted and is readable by the caller: a link to an element the caller
 * cannot read would tell readers of the sample about a diagnosis they were not given, or point at
 * nothing. `live` holds the non-deleted elements found among `ids`. The message is MedTech's.
 */
export function assertCanLinkHealthcareElements(
  caller: Caller,
  ids: readonly string[],
  live: readonly EncryptedEntityDto[],
): void {
  const readable = new Set(
    live.filter((he) => canReadEntity(caller, 'healthcareElement', he)).map((he) => he.id),
  )
  const refused = ids.filter((id) => !readable.has(id))
  if (refused.length > 0)
    throw badRequest(
      `Health elements ${refused.join(',')} do not exist or user ${caller.userId} may not access them`,
    )
}

/** Filters embed a data owner id: a caller may only query as itself. */
export function assertCanQueryAs(caller: Caller, dataOwnerId: string | undefined): string {
  const me = requireDataOwner(caller)
  if (dataOwnerId !== undefined && dataOwnerId !== me) {
    throw forbidden(`Data owner ${me} cannot query the data of data owner ${dataOwnerId}`)
  }
  return me
}

/** Healthcare professionals and devices are created by an admin or by a healthcare professional. */
export function assertCanCreateDataOwner(
  caller: Caller,
  kind: 'healthcareProfessional' | 'medicalDevice',
): void {
  if (caller.isAdmin || caller.dataOwnerType === 'HealthcareProfessional') return
  throw forbidden(`Only an admin or a healthcare professional may create a ${kind}`)
}

/**
 * A new healthcare professional or device carries no public key: keys are published by the data owner
 * itself, from its own device, at its first login (protocol v2), so that whoever creates the record
 * (an admin, a colleague, the operator) cannot choose the keys others will encrypt for.
 */
export function assertNoKeysAtCreation(
  kind: string,
  doc: { systemMetaData?: Record<string, unknown> },
): void {
  const meta = doc.systemMetaData ?? {}
  if (
    meta.publicKey ||
    listOf(meta.publicKeysForOaepWithSha256).length > 0 ||
    listOf(meta.keyStatements).length > 0
  )
    throw forbidden(
      `A new ${kind} cannot carry public keys: the ${kind} publishes its own keys when its user first logs in`,
    )
}

/**
 * A professional's or device's record is modified by itself, by admins, and by the healthcare
 * professional in its `responsible` field: the one that created a professional's record, the
 * responsible professional of a device (set at creation to the creating professional; admins may set
 * and change it). No other professional: any colleague could otherwise rewrite a profile others rely
 * on. These records are public directory data, so a caller who may not modify one gets a 403. Only
 * admins change `responsible`, and only the data owner itself its public keys (that would let
 * others read what is shared with it next).
 */
export function assertCanModifyDataOwner(
  caller: Caller,
  kind: 'healthcareProfessional' | 'medicalDevice',
  stored: Record<string, unknown> & { id: string; systemMetaData?: Record<string, unknown> },
  next: Record<string, unknown> & { systemMetaData?: Record<string, unknown> },
): void {
  const self = caller.dataOwnerId === stored.id
  const responsible = typeof stored.responsible === 'string' ? stored.responsible : undefined
  const byResponsible =
    caller.dataOwnerType === 'HealthcareProfessional' &&
    caller.dataOwnerId !== undefined &&
    caller.dataOwnerId === responsible
  if (!self && !caller.isAdmin && !byResponsible) {
    const who = kind === 'medicalDevice' ? 'its responsible professional' : 'the professional that created it'
    throw forbidden(
      `Data owner ${caller.dataOwnerId ?? '(none)'} may not modify ${kind} ${stored.id}: only itself, ${who} and admins may`,
    )
  }
  if (!caller.isAdmin && next.responsible !== undefined && next.responsible !== stored.responsible)
    throw forbidden(`Only admins may change the responsible professional of ${kind} ${stored.id}`)
  assertKeyChange(self, kind, stored.id, stored.systemMetaData ?? {}, next.systemMetaData ?? {})
}

/**
 * Deleting a professional's or device's record: admins and the healthcare professional in its
 * `responsible` field (the one that created a professional's record, the responsible professional of a
 * device), as for modifications; never the data owner itself, whose user must be deleted first anyway
 * (assertNoUserActsAs). These records are public directory data: a caller who may not delete one gets
 * a 403.
 */
export function assertCanDeleteDataOwner(
  caller: Caller,
  kind: 'healthcareProfessional' | 'medicalDevice',
  stored: Record<string, unknown> & { id: string },
): void {
  if (caller.dataOwnerId === stored.id)
    throw forbidden(`${kind} ${stored.id} cannot delete itself: its responsible professional or an admin may`)
  if (caller.isAdmin) return
  const responsible = typeof stored.responsible === 'string' ? stored.responsible : undefined
  if (caller.dataOwnerType === 'HealthcareProfessional' && caller.dataOwnerId === responsible) return
  const who = kind === 'medicalDevice' ? 'its responsible professional' : 'the professional that created it'
  throw forbidden(
    `Data owner ${caller.dataOwnerId ?? '(none)'} may not delete ${kind} ${stored.id}: only ${who} and admins may`,
  )
}

/**
 * A data owner (professional, device or patient) is deleted only once no user acts as it: a user
 * left acting as a deleted data owner could neither use its keys nor be linked to another one (the
 * link never changes). `userIds` are the live users linked to it; the 409 names the first, which its
 * managers delete first (`DELETE /user/{id}`).
 */
export function assertNoUserActsAs(kind: string, id: string, userIds: readonly string[]): void {
  if (userIds.length > 0)
    throw conflict(
      `${kind} ${id} is the data owner of user ${userIds[0]}: delete that user first (DELETE /user/${userIds[0]})`,
    )
}

/**
 * Protocol v2 key rules (docs/protocol.md): the public keys of a data owner and its signed key
 * statements change only by that data owner itself — never an admin, never a healthcare professional
 * that manages it — and only by appending: a published key or statement is never removed or altered,
 * so the server cannot be asked to make a client forget a key or a revocation.
 */
function assertKeyChange(
  isOwner: boolean,
  kind: string,
  id: string,
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): void {
  const keysBefore = listOf(before.publicKeysForOaepWithSha256)
  const keysAfter = listOf(after.publicKeysForOaepWithSha256)
  const stmtsBefore = listOf(before.keyStatements).map((x) => JSON.stringify(x))
  const stmtsAfter = listOf(after.keyStatements).map((x) => JSON.stringify(x))
  const unchanged =
    sameKeys(before.publicKey, after.publicKey) &&
    sameKeys(keysBefore, keysAfter) &&
    JSON.stringify(stmtsBefore) === JSON.stringify(stmtsAfter)
  if (unchanged) return
  if (!isOwner) throw forbidden(`Only ${kind} ${id} itself may change its public keys`)
  const kept = (list: unknown[], from: unknown[]) => from.every((k) => list.includes(k))
  if (
    (before.publicKey && before.publicKey !== after.publicKey) ||
    !kept(keysAfter, keysBefore) ||
    stmtsBefore.some((st, i) => stmtsAfter[i] !== st)
  ) {
    throw forbidden(
      `Public keys and key statements of ${kind} ${id} are append-only: a published one cannot be removed or changed`,
    )
  }
}

const listOf = (v: unknown): unknown[] => (Array.isArray(v) ? (v as unknown[]) : [])

/** A field linking a user to the data owner it acts as. */
export type DataOwnerLinkField = 'healthcarePartyId' | 'patientId' | 'deviceId'
const LINK_FIELDS: readonly DataOwnerLinkField[] = ['healthcarePartyId', 'patientId', 'deviceId']
const LINK_KINDS: Record<DataOwnerLinkField, string> = {
  healthcarePartyId: 'healthcare professional',
  patientId: 'patient',
  deviceId: 'medical device',
}

/** The data owner a user acts as: which field names it, and its id. */
export interface UserLink {
  field: DataOwnerLinkField
  id: string
}

/**
 * The one data-owner link of a user (or user write), undefined if none; 400 if it names several, as a
 * user acts as at most one data owner.
 */
export function linkOf(user: Partial<Record<DataOwnerLinkField, string | undefined>>): UserLink | undefined {
  const links = LINK_FIELDS.filter((f) => user[f] !== undefined && user[f] !== null)
  if (links.length > 1)
    throw badRequest('A user acts as at most one data owner (healthcarePartyId, patientId or deviceId)')
  return links.length === 1 ? { field: links[0], id: user[links[0]]! } : undefined
}

/**
 * What decides who manages a stored user (docs/access.md, "Users"): the professional that created
 * it and, for a device's user, the device's responsible professional. The user service gathers these.
 */
export interface ManagedUser {
  id: string
  /** Data owner id of the healthcare professional that created the user (users.managed_by). */
  managedBy: string | null
  /** For the user of a device: the `responsible` professional of the device record. */
  deviceResponsible?: string
  /** Roles of the user: a user holding roles (an admin) is managed by admins only. */
  roles: readonly string[]
}

/** How much of a user a caller sees: every field, the directory fields, or nothing (404). */
export type UserVisibility = 'full' | 'directory' | 'none'

/**
 * The manager rule. Admins manage every user; a healthcare professional manages the users it created
 * and the users of the devices it is responsible for. Never a user merely because its patient shared
 * a record with the professional: any reader of a patient could then take the patient's account
 * over. Never a user holding roles either: a professional could otherwise take over an admin it once
 * created. Managers create tokens for, set the password of, deactivate, reactivate and delete users.
 */
export function isManagerOf(caller: Caller, user: ManagedUser): boolean {
  if (caller.isAdmin) return true
  if (caller.dataOwnerType !== 'HealthcareProfessional' || caller.dataOwnerId === undefined) return false
  if (user.roles.length > 0) return false
  return caller.dataOwnerId === user.managedBy || caller.dataOwnerId === user.deviceResponsible
}

/**
 * What a caller sees of a user. The user itself, its managers and admins see every field (hashes are
 * never in the document); other healthcare professionals see the directory fields (they look
 * colleagues and their patients' users up); patients, devices and plain users see only themselves.
 */
export function userVisibility(caller: Caller, user: ManagedUser): UserVisibility {
  if (caller.userId === user.id || isManagerOf(caller, user)) return 'full'
  return caller.dataOwnerType === 'HealthcareProfessional' ? 'directory' : 'none'
}

/**
 * The answer for a user id that does not exist, and for one the caller may not see at all: the same
 * 404 and message, so that no answer tells whether a user id exists.
 */
export function userNotFound(id: string): AppError {
  return notFound(`User ${id} does not exist`)
}

/** What the caller sees of the user; the 404 of an unknown id if nothing. */
export function assertCanSeeUser(caller: Caller, user: ManagedUser): 'full' | 'directory' {
  const visibility = userVisibility(caller, user)
  if (visibility === 'none') throw userNotFound(user.id)
  return visibility
}

/**
 * Managing a user (its tokens, password and status; deleting it): its managers and admins. A caller
 * who cannot see the user at all gets the 404 of an unknown id; one who sees its directory entry gets
 * a 403 naming the action.
 */
export function assertCanManageUser(caller: Caller, user: ManagedUser, action: string): void {
  if (isManagerOf(caller, user)) return
  assertCanSeeUser(caller, user)
  throw forbidden(`User ${caller.userId} may not ${action} user ${user.id}: only its managers and admins may`)
}

/** Long-lived tokens of a user are created, listed and revoked by the user itself, its managers and admins. */
export function assertCanManageTokens(caller: Caller, user: ManagedUser): void {
  if (caller.userId === user.id) return
  assertCanManageUser(caller, user, 'manage the tokens of')
}

/** Users are deleted by their managers and admins, never by themselves (an admin could remove the last admin). */
export function assertCanDeleteUser(caller: Caller, user: ManagedUser): void {
  if (caller.userId === user.id) throw forbidden('A user cannot delete itself: its managers and admins may')
  assertCanManageUser(caller, user, 'delete')
}

/**
 * Users are created by admins and healthcare professionals (which then manage them, linked to a data
 * owner or not); only admins set roles. The data-owner link has its own rule (assertCanLinkDataOwner).
 */
export function assertCanCreateUser(caller: Caller, dto: UserWriteDto): void {
  linkOf(dto)
  if (caller.isAdmin) return
  if (caller.dataOwnerType !== 'HealthcareProfessional')
    throw forbidden('Only admins and healthcare professionals create users')
  if ((dto.roles?.length ?? 0) > 0) throw forbidden('Only admins may set roles')
}

/** A data owner a user is about to be linked to, as the user service found it. */
export interface DataOwnerLinkTarget extends UserLink {
  /** The record exists, of the kind the field names, and is not deleted. */
  exists: boolean
  /** The caller may see the record: professionals and devices are public, a patient to its readers. */
  visible: boolean
  /**
   * The healthcare professional in the record's `responsible` field: the creator of a patient or
   * professional record, the responsible professional of a device.
   */
  responsible?: string
}

/**
 * A user is linked to a data owner (at its creation, or later from no link) only by an admin or by the
 * healthcare professional that created the data owner's record (for a device: its responsible
 * professional). Anyone else could otherwise claim a professional or device that has no user yet, log
 * in as it and publish its keys. A record the caller may not see answers as one that does not exist.
 * That the data owner has no user yet is the unique index's job (409).
 */
export function assertCanLinkDataOwner(caller: Caller, target: DataOwnerLinkTarget): void {
  if (!target.exists || (!caller.isAdmin && !target.visible))
    throw badRequest(`Data owner ${target.id} does not exist`)
  if (caller.isAdmin) return
  if (caller.dataOwnerType === 'HealthcareProfessional' && caller.dataOwnerId === target.responsible) return
  const who =
    target.field === 'deviceId' ? 'its responsible professional' : 'the professional that created its record'
  throw forbidden(
    `Data owner ${caller.dataOwnerId ?? '(none)'} may not link a user to ${LINK_KINDS[target.field]} ${target.id}: only ${who} or an admin may`,
  )
}

/**
 * Modifying a user. The user itself changes its profile, contact details, password and automatic
 * sharing; its managers and admins change profile, contact details, login, password and status.
 * Only admins change roles; a user never changes its own status. The automatic-sharing lists are the
 * user's own (and admins'): a manager adding itself there would receive the user's future data.
 * The data-owner link is set once, from none to one data owner (assertCanLinkDataOwner then decides),
 * and never changed or removed afterwards, not even by an admin: the data owner's keys and records
 * stay with the account that acts as it. Returns the link the modification adds, if any.
 */
export function assertCanModifyUser(
  caller: Caller,
  user: ManagedUser,
  stored: Partial<Record<DataOwnerLinkField, string>> & { id: string; status?: string; roles?: string[] },
  next: UserWriteDto,
  sharingChanged: boolean,
): UserLink | undefined {
  const self = caller.userId === stored.id
  if (!self && !isManagerOf(caller, user)) {
    assertCanSeeUser(caller, user)
    throw forbidden(`User ${caller.userId} may not modify user ${stored.id}`)
  }
  const current = linkOf(stored)
  let added: UserLink | undefined
  for (const field of LINK_FIELDS) {
    const before = stored[field] ?? null
    const after = next[field] ?? null
    if (before === after) continue
    if (self && !caller.isAdmin) throw forbidden(`A user cannot change its own ${field}`)
    if (current)
      throw forbidden(
        `User ${stored.id} acts as data owner ${current.id}: the data owner of a user never changes`,
      )
    added = { field, id: after! }
  }
  linkOf(next)
  if (next.status !== undefined && next.status !== (stored.status ?? 'ACTIVE') && self)
    throw forbidden('A user cannot change its own status')
  if (next.roles !== undefined && !sameKeys(next.roles, stored.roles ?? []) && !caller.isAdmin)
    throw forbidden(self ? 'A user cannot change its own roles' : 'Only admins may change roles')
  if (sharingChanged && !self && !caller.isAdmin)
    throw forbidden(`Only user ${stored.id} itself or an admin may change its automatic sharing`)
  return added
}

/** Exchange keys are created by their delegator only. */
export function assertCanCreateExchangeKey(caller: Caller, delegator: string): void {
  const me = requireDataOwner(caller)
  if (delegator !== me)
    throw forbidden(`Data owner ${me} cannot create exchange keys for delegator ${delegator}`)
}

/** Exchange keys of a pair are read by the two parties only. */
export function assertCanReadExchangeKeys(caller: Caller, delegator: string, delegate: string): void {
  const me = requireDataOwner(caller)
  if (me !== delegator && me !== delegate) {
    throw forbidden(`Data owner ${me} cannot read exchange keys of ${delegator} -> ${delegate}`)
  }
}

/**
 * Codings are public reference data (code systems such as SNOMED CT or LOINC): every signed-in user
 * reads and searches them, and admins and healthcare professionals create and modify them. Patients
 * and devices may not: a coding changed by one would change what every professional's app shows.
 */
export function assertCanWriteCodings(caller: Caller): void {
  if (caller.isAdmin || caller.dataOwnerType === 'HealthcareProfessional') return
  throw forbidden('Only an admin or a healthcare professional may create or modify codings')
}

/**
 * Reading an attachment of a data sample: the data owners that may read the sample (its delegates),
 * who are also the ones holding the sample's key, from which the attachment's key derives. Anyone else
 * gets the 404 of an unknown sample, whether the sample exists or not (no existence oracle); a user
 * that is no data owner a 403. `isDelegate` comes from the access index (Storage.getDocFor).
 */
export function assertCanReadAttachment(caller: Caller, dataSampleId: string, isDelegate: boolean): void {
  requireDataOwner(caller)
  assertCanReadEntityById(caller, 'dataSample', dataSampleId, isDelegate)
}

/**
 * Storing, replacing or deleting an attachment of a data sample: the data owners that may modify the
 * sample. In Cairn those are its delegates, as for reading (any delegate may write a new revision of
 * the sample, and the SDK writes the revision that references the attachment); the rule is its own
 * function so that the two can diverge. Others get the 404 of an unknown sample.
 */
export function assertCanWriteAttachment(caller: Caller, dataSampleId: string, isDelegate: boolean): void {
  requireDataOwner(caller)
  assertCanReadEntityById(caller, 'dataSample', dataSampleId, isDelegate)
}

/**
 * A recovery key (docs/protocol.md, "Recovery key"): its status, storing, opening and deleting are for
 * the data owner itself only, never an admin, a colleague or a patient of its: each gets the same 403
 * whether or not one exists, so that nobody learns who has one. Opening in someone else's name is refused
 * before the throttle counts anything against that data owner.
 */
export function assertCanUseRecoveryKey(caller: Caller, dataOwnerId: string): void {
  if (caller.dataOwnerId !== undefined && caller.dataOwnerId === dataOwnerId) return
  throw forbidden(`Only data owner ${dataOwnerId} itself may use its recovery key`)
}
