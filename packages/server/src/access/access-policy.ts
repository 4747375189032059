import type { DelegationDto, EncryptedEntityDto, EntityType, UserWriteDto } from '@cairn/protocol'
import type { Caller } from '../auth/caller.ts'
import { badRequest, forbidden } from '../http/app-error.ts'

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

/** 403 unless the caller may read the entity. */
export function assertCanReadEntity(caller: Caller, type: EntityType, doc: EncryptedEntityDto): void {
  assertCanReadStored(caller, type, doc.id, canReadEntity(caller, type, doc))
}

/**
 * 403 unless the caller may read entity `id`, knowing from the access index whether the caller is one
 * of its delegates (Storage.getDocFor): the read path decides without parsing the document.
 */
export function assertCanReadEntityById(
  caller: Caller,
  type: EntityType,
  id: string,
  isDelegate: boolean,
): void {
  assertCanReadStored(caller, type, id, mayRead(caller, type, id, isDelegate))
}

function assertCanReadStored(caller: Caller, type: EntityType, id: string, allowed: boolean): void {
  if (!allowed) throw forbidden(`Data owner ${caller.dataOwnerId ?? '(none)'} has no access to ${type} ${id}`)
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
 * Modify or share: the caller must have access to the stored entity; entries owned by other data
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
 * A data owner's own record is modified by itself or an admin; other healthcare professionals may
 * edit its profile but never its public keys (that would let them read what is shared with it next).
 */
export function assertCanModifyDataOwner(
  caller: Caller,
  kind: 'healthcareProfessional' | 'medicalDevice',
  stored: Record<string, unknown> & { id: string; systemMetaData?: Record<string, unknown> },
  next: Record<string, unknown> & { systemMetaData?: Record<string, unknown> },
): void {
  const self = caller.dataOwnerId === stored.id
  if (!self && !caller.isAdmin && caller.dataOwnerType !== 'HealthcareProfessional') {
    throw forbidden(`Data owner ${caller.dataOwnerId ?? '(none)'} may not modify ${kind} ${stored.id}`)
  }
  assertKeyChange(self, kind, stored.id, stored.systemMetaData ?? {}, next.systemMetaData ?? {})
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

/** Facts a service gathers before asking whether a user may be created. */
export interface UserCreationFacts {
  /** The linked data owner exists. */
  dataOwnerExists: boolean
  /** The linked data owner already has a user. */
  dataOwnerHasUser: boolean
  /** For a patient link: the caller has access to that patient record. */
  callerHasPatientAccess: boolean
}

/**
 * Users are created by admins, or by healthcare professionals for a patient they have access to or
 * for a professional/device that has no user yet (so nobody can take over an existing identity).
 * Only admins create users that are no data owner, or set roles.
 */
export function assertCanCreateUser(caller: Caller, dto: UserWriteDto, facts: UserCreationFacts): void {
  const links = [dto.healthcarePartyId, dto.patientId, dto.deviceId].filter((x) => x !== undefined)
  if (links.length > 1)
    throw badRequest('A user acts as at most one data owner (healthcarePartyId, patientId or deviceId)')
  if (links.length === 1 && !facts.dataOwnerExists) throw badRequest(`Data owner ${links[0]} does not exist`)
  if (caller.isAdmin) return
  if (caller.dataOwnerType !== 'HealthcareProfessional')
    throw forbidden('Only admins and healthcare professionals create users')
  if ((dto.roles?.length ?? 0) > 0) throw forbidden('Only admins may set roles')
  if (links.length === 0) throw forbidden('Healthcare professionals may only create users for data owners')
  if (facts.dataOwnerHasUser) throw forbidden(`Data owner ${links[0]} already has a user`)
  if (dto.patientId && !facts.callerHasPatientAccess) {
    throw forbidden(`Data owner ${caller.dataOwnerId} has no access to patient ${dto.patientId}`)
  }
}

/**
 * A user modifies itself (profile, password, sharing) but never which data owner it acts as, its
 * roles or its status; admins modify anyone.
 */
export function assertCanModifyUser(
  caller: Caller,
  stored: Record<string, unknown>,
  next: UserWriteDto,
): void {
  if (caller.isAdmin) return
  if (caller.userId !== stored.id)
    throw forbidden(`User ${caller.userId} may not modify user ${String(stored.id)}`)
  for (const field of ['healthcarePartyId', 'patientId', 'deviceId'] as const) {
    if ((next[field] ?? null) !== (stored[field] ?? null))
      throw forbidden(`A user cannot change its own ${field}`)
  }
  // An absent status keeps the stored one (UserService.modify), so only a different value is a change.
  if (next.status !== undefined && next.status !== (stored.status ?? 'ACTIVE')) {
    throw forbidden('A user cannot change its own status')
  }
  if (next.roles !== undefined && !sameKeys(next.roles, stored.roles)) {
    throw forbidden('A user cannot change its own roles')
  }
}

/**
 * A user reads itself; admins and healthcare professionals read users (they manage them). `action`
 * names what was attempted in the message: a modify checks read access first (a stale rev is then a
 * 409 for those who may read the user, and tells nothing to the others).
 */
export function assertCanReadUser(caller: Caller, userId: string, action: 'read' | 'modify' = 'read'): void {
  if (caller.isAdmin || caller.userId === userId || caller.dataOwnerType === 'HealthcareProfessional') return
  throw forbidden(`User ${caller.userId} may not ${action} user ${userId}`)
}

/** Tokens are created by the user itself or an admin. */
export function assertCanCreateToken(caller: Caller, userId: string): void {
  if (caller.isAdmin || caller.userId === userId) return
  throw forbidden(`User ${caller.userId} may not create tokens for user ${userId}`)
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
