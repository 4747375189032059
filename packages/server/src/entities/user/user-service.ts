import {
  normaliseSharedDataType,
  type DataOwnerDocDto,
  type HealthcareProfessionalWithUserDto,
  type UserDeletionDto,
  type UserDto,
  type UserViewDto,
  type UserWriteDto,
} from '@cairn/protocol'
import type { Caller } from '../../auth/caller.ts'
import {
  assertCanCreateDataOwner,
  assertCanCreateUser,
  assertCanDeleteUser,
  assertCanLinkDataOwner,
  assertCanModifyUser,
  assertCanSeeUser,
  assertNoKeysAtCreation,
  linkOf,
  userNotFound,
  userVisibility,
  type UserLink,
} from '../../access/access-policy.ts'
import { hashSecret } from '../../auth/password.ts'
import { assertRecentAuthentication } from '../../auth/recent-authentication.ts'
import type { SessionService } from '../../auth/session-service.ts'
import { badRequest, conflict } from '../../http/app-error.ts'
import type { EventBus } from '../../events/event-bus.ts'
import type { AuditSink } from '../../audit/audit-log.ts'
import { recordReads } from '../../audit/audit-sources.ts'
import { StorageConflict, type Storage, type UserRow } from '../../storage/storage.ts'
import { assertResponsibleExists, newDataOwnerDoc } from '../shared/data-owner-doc-write.ts'
import { canonicalJson } from '../shared/revision.ts'
import { linkTargetOf, managedUserFor } from './user-facts.ts'
import { parseUser, tombstoneRow, userRow } from './user-row.ts'
import { userView } from './user-view.ts'
import { UserWriter } from './user-writer.ts'

/** Retries of a deletion that raced with another writer of the same user. */
const RACE_RETRIES = 5

/** The 409 of a second user for one data owner (the unique index on users.data_owner_id). */
const alreadyHasUser = (dataOwnerId: string) => conflict(`Data owner ${dataOwnerId} already has a user`)

/** A clear password given in a user write (`password`, or MedTech's `passwordHash`; `*` means none). */
function passwordOf(dto: UserWriteDto): string | undefined {
  return dto.password ?? (dto.passwordHash && dto.passwordHash !== '*' ? dto.passwordHash : undefined)
}

/** `value` lower-cased, null when absent: identifiers are compared as the login columns hold them. */
const folded = (value: string | undefined): string | null => value?.toLowerCase() ?? null

/**
 * Users: creation (by admins, and by healthcare professionals, which then manage them), reading with
 * what the caller may see of each user, modification by the user itself and its managers, deletion,
 * and the automatic-sharing lists (`sharingDataWith`). Who may do what is access-policy's (see
 * docs/access.md); this service gathers the facts, enforces one user per data owner (with the unique
 * index), and ends sessions and tokens when a password changes or an account is disabled or deleted.
 */
export class UserService {
  private readonly writer: UserWriter

  constructor(
    private readonly storage: Storage,
    private readonly events: EventBus,
    private readonly sessions: SessionService,
    /** Where admins' reads of users are recorded (absent: the access log is off). */
    private readonly audit?: AuditSink,
  ) {
    this.writer = new UserWriter(storage, events)
  }

  /** A user as the caller may see it; the same 404 for an unknown, deleted or invisible user. */
  async get(caller: Caller, id: string): Promise<UserViewDto> {
    const row = await this.liveUser(id)
    const user = parseUser(row)
    const view = userView(
      user,
      assertCanSeeUser(caller, await managedUserFor(this.storage, caller, row, user)),
    )
    // An admin reading another user's account (its contact details, its data owner) is an access.
    if (caller.isAdmin && caller.userId !== id) recordReads(this.audit, caller, 'user', [id])
    return view
  }

  /** Creates a user; the clear password is hashed (scrypt) and never stored or returned. */
  async create(caller: Caller, dto: UserWriteDto): Promise<UserDto> {
    assertCanCreateUser(caller, dto)
    const link = linkOf(dto)
    if (link) {
      assertCanLinkDataOwner(caller, await linkTargetOf(this.storage, caller, link))
      // A user for a data owner is a way in as that data owner: minted only within minutes of a login,
      // like a password change (else a stolen token could delete a managed user and create its own).
      assertRecentAuthentication(caller, `Creating a user for data owner ${link.id}`)
      if ((await this.storage.findUsersByDataOwner(link.id)).length > 0) throw alreadyHasUser(link.id)
    }
    const row = await this.newUserRow(caller, dto, Date.now())
    await this.storage.insertUser(row).catch(async (e: unknown) => {
      throw e instanceof StorageConflict ? await this.insertConflict(link, row.id) : e
    })
    this.writer.emit(caller, row.id, row.rev, 'create')
    return parseUser(row)
  }

  /**
   * Creates a healthcare professional and its user in one transaction: both exist afterwards, or
   * neither (no professional without a user that anyone else could claim, no user without its
   * professional). The caller creates the record it links the user to, which satisfies the link rule.
   */
  async createWithHealthcareProfessional(
    caller: Caller,
    body: HealthcareProfessionalWithUserDto,
  ): Promise<{ healthcareProfessional: DataOwnerDocDto; user: UserDto }> {
    const hcp = body.healthcareProfessional
    assertCanCreateDataOwner(caller, 'healthcareProfessional')
    assertNoKeysAtCreation('healthcareProfessional', hcp)
    if (body.user.healthcarePartyId !== undefined && body.user.healthcarePartyId !== hcp.id)
      throw badRequest(`user.healthcarePartyId must be the id of the new professional (${hcp.id})`)
    const dto: UserWriteDto = { ...body.user, healthcarePartyId: hcp.id }
    assertCanCreateUser(caller, dto)
    assertRecentAuthentication(caller, `Creating the account of professional ${hcp.id}`)
    if (caller.isAdmin) await assertResponsibleExists(this.storage, hcp.responsible)
    const now = Date.now()
    const { json, write } = newDataOwnerDoc(caller, 'healthcareProfessional', hcp, now)
    const row = await this.newUserRow(caller, dto, now)
    try {
      await this.storage.insertDataOwnerWithUser('healthcareProfessional', write, row)
    } catch (e) {
      if (!(e instanceof StorageConflict)) throw e
      if (e.ids.includes(hcp.id)) throw conflict(`Data owner ${hcp.id} already exists`)
      throw await this.insertConflict(undefined, row.id)
    }
    this.events.emit([
      {
        kind: 'create',
        entityType: 'healthcareProfessional',
        id: hcp.id,
        rev: write.rev,
        actor: { userId: caller.userId, dataOwnerId: caller.dataOwnerId },
        requestId: caller.requestId,
        delegates: [],
        at: now,
      },
    ])
    this.writer.emit(caller, row.id, row.rev, 'create')
    return { healthcareProfessional: JSON.parse(json) as DataOwnerDocDto, user: parseUser(row) }
  }

  /**
   * Modifies a user with optimistic concurrency; tokens and creation date are kept from the stored
   * user. Callers who may modify the user (itself, its managers, admins) get 409 for a stale rev
   * before any write rule is applied (nothing saved, whatever else is wrong); anyone else gets the
   * 404 or 403 of access-policy first, so that the answer tells it nothing about the user (its rev
   * included). Storage re-checks the rev in the UPDATE.
   *
   * Changing a password or an identifier (login, email, phone), the user's own or a managed user's,
   * needs a recent login of the caller: a stolen access token alone cannot take an account over. A new password, and disabling
   * the account, end the user's sessions and delete its long-lived tokens ("sign out everywhere"),
   * except the session of a user changing its own password.
   */
  async modify(caller: Caller, dto: UserWriteDto): Promise<UserDto> {
    if (!dto.rev) throw badRequest(`User ${dto.id}: rev is required to modify`)
    const row = await this.liveUser(dto.id)
    const stored = parseUser(row)
    const managed = await managedUserFor(this.storage, caller, row, stored)
    const self = caller.userId === row.id
    if (userVisibility(caller, managed) !== 'full') assertCanModifyUser(caller, managed, stored, dto, false)
    if (dto.rev !== row.rev)
      throw conflict(`User ${dto.id}: rev ${dto.rev} is stale (current ${row.rev}); nothing was saved`)
    const sharing = normaliseSharing(dto.sharingDataWith ?? stored.sharingDataWith)
    const sharingChanged = !sameSharing(sharing, stored.sharingDataWith)
    const added = assertCanModifyUser(caller, managed, stored, dto, sharingChanged)
    if (added) {
      assertCanLinkDataOwner(caller, await linkTargetOf(this.storage, caller, added))
      assertRecentAuthentication(caller, `Linking user ${row.id} to data owner ${added.id}`)
      if ((await this.storage.findUsersByDataOwner(added.id)).length > 0) throw alreadyHasUser(added.id)
    }
    await assertDataOwnersExist(this.storage, newIds(sharing, stored.sharingDataWith))
    const password = passwordOf(dto)
    const login = dto.login ?? stored.login
    // The credentials and identifiers of an account (its own, or one it manages) change only within
    // minutes of a login: a stolen access token alone cannot take an account over.
    const of = self ? '' : ` of user ${row.id}`
    if (password !== undefined)
      assertRecentAuthentication(caller, `Changing the password${of}`, {
        // The first password of an account that has none (an invited user, logged in with its token).
        tokenSessionAllowed: self && row.passwordHash === null,
      })
    if (folded(dto.email) !== folded(stored.email))
      assertRecentAuthentication(caller, `Changing the email${of}`)
    if (folded(login) !== folded(stored.login)) assertRecentAuthentication(caller, `Changing the login${of}`)
    if ((dto.mobilePhone ?? null) !== (stored.mobilePhone ?? null))
      assertRecentAuthentication(caller, `Changing the mobile phone${of}`)
    const status = dto.status ?? stored.status ?? 'ACTIVE'
    const disabling = status === 'DISABLED' && (stored.status ?? 'ACTIVE') !== 'DISABLED'
    const endSessions = password !== undefined || disabling
    const user: UserDto = {
      ...stored,
      name: dto.name,
      login,
      email: dto.email,
      mobilePhone: dto.mobilePhone,
      ...(added ? { [added.field]: added.id } : {}),
      roles: dto.roles ?? stored.roles,
      properties: dto.properties ?? stored.properties,
      sharingDataWith: sharingChanged ? sharing : stored.sharingDataWith,
      authenticationTokens: endSessions ? {} : stored.authenticationTokens,
      status,
    }
    const next = userRow(user, row, password ? await hashSecret(password) : row.passwordHash, Date.now())
    await this.storage.updateUser(next, row.rev, { deleteTokens: endSessions }).catch(async (e: unknown) => {
      if (!(e instanceof StorageConflict)) throw e
      if (e.reason !== 'exists') throw conflict(`User ${dto.id}: rev ${dto.rev} is stale; nothing was saved`)
      throw await this.insertConflict(added, row.id)
    })
    if (endSessions)
      await this.sessions.revoke(
        self && !disabling ? { userId: row.id, exceptSessionId: caller.sessionId } : { userId: row.id },
      )
    this.writer.emit(caller, next.id, next.rev)
    return parseUser(next)
  }

  /**
   * Deletes a user (its managers and admins): a tombstone stays (see tombstoneRow), its sessions end,
   * its tokens go, and its data owner may get a new user. Answers the rev of the deletion, as MedTech
   * does.
   */
  async delete(caller: Caller, id: string): Promise<UserDeletionDto> {
    for (let attempt = 0; ; attempt++) {
      const row = await this.liveUser(id)
      assertCanDeleteUser(caller, await managedUserFor(this.storage, caller, row))
      // Deleting frees the data owner for a new user: as sensitive as creating one.
      assertRecentAuthentication(caller, `Deleting user ${id}`)
      const tombstone = tombstoneRow(row, Date.now())
      try {
        await this.storage.updateUser(tombstone, row.rev, { deleteTokens: true })
      } catch (e) {
        // Another write committed since the read: delete what is there now.
        if (!(e instanceof StorageConflict) || e.reason === 'exists' || attempt >= RACE_RETRIES) throw e
        continue
      }
      await this.sessions.revoke({ userId: id })
      this.writer.emit(caller, id, tombstone.rev, 'delete')
      return { id, rev: tombstone.rev }
    }
  }

  /**
   * Adds (or removes) data owners to the caller's automatic sharing of one kind. Applied by clients
   * when they create entities; the server only keeps the list.
   */
  async changeSharing(
    caller: Caller,
    ids: string[],
    type: string | undefined,
    add: boolean,
  ): Promise<UserDto> {
    const kind = normaliseSharedDataType(type)
    if (!kind) throw badRequest(`Unknown kind of shared data "${type}"`)
    if (add) await assertDataOwnersExist(this.storage, ids)
    return this.writer.update(caller, caller.userId, (u) => {
      const current = u.sharingDataWith[kind] ?? []
      const ids2 = add ? [...new Set([...current, ...ids])] : current.filter((x) => !ids.includes(x))
      if (u.sharingDataWith[kind] && ids2.length === current.length && ids2.every((x, i) => x === current[i]))
        return u
      return { ...u, sharingDataWith: { ...u.sharingDataWith, [kind]: ids2 } }
    })
  }

  /** A user that exists and is not deleted; the 404 of an unknown user otherwise. */
  private async liveUser(id: string): Promise<UserRow> {
    const row = await this.storage.getUser(id)
    if (!row || row.deletionDate !== null) throw userNotFound(id)
    return row
  }

  /**
   * The row of a new user. It is managed by the professional that creates it (none when an admin
   * does); sharing lists name existing data owners only.
   */
  private async newUserRow(caller: Caller, dto: UserWriteDto, now: number): Promise<UserRow> {
    const login = dto.login ?? dto.email ?? dto.mobilePhone
    if (!login) throw badRequest('A user needs a login, an email or a mobilePhone')
    const sharingDataWith = normaliseSharing(dto.sharingDataWith ?? {})
    await assertDataOwnersExist(this.storage, Object.values(sharingDataWith).flat())
    const password = passwordOf(dto)
    const user: UserDto = {
      id: dto.id,
      created: dto.created ?? now,
      name: dto.name,
      login,
      email: dto.email,
      mobilePhone: dto.mobilePhone,
      healthcarePartyId: dto.healthcarePartyId,
      patientId: dto.patientId,
      deviceId: dto.deviceId,
      roles: dto.roles ?? [],
      properties: dto.properties ?? [],
      sharingDataWith,
      authenticationTokens: {},
      status: dto.status ?? 'ACTIVE',
    }
    const managedBy = caller.isAdmin ? null : (caller.dataOwnerId ?? null)
    return userRow(user, undefined, password ? await hashSecret(password) : null, now, managedBy)
  }

  /**
   * The 409 of a refused user write: the data owner already has a user (the unique index refused the
   * second one, also when two requests raced past the check before it), or an id or identifier is
   * taken.
   */
  private async insertConflict(link: UserLink | undefined, userId: string): Promise<Error> {
    if (link && (await this.storage.findUsersByDataOwner(link.id)).some((u) => u.id !== userId))
      return alreadyHasUser(link.id)
    return conflict('A user with this id, login, email or phone already exists')
  }
}

/** Sharing lists with their kinds normalised (the `administrativeInformation` alias) and no duplicates. */
function normaliseSharing(sharing: Record<string, string[]>): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  for (const [k, ids] of Object.entries(sharing)) {
    const kind = normaliseSharedDataType(k)
    if (!kind) throw badRequest(`Unknown kind of shared data "${k}"`)
    out[kind] = [...new Set([...(out[kind] ?? []), ...ids])]
  }
  return out
}

/**
 * Whether two sharing lists share with the same data owners for each kind: order and empty kinds do
 * not count (a client re-sending what it read must not look like a change).
 */
function sameSharing(a: Record<string, string[]>, b: Record<string, string[]>): boolean {
  const norm = (s: Record<string, string[]>) =>
    canonicalJson(
      Object.fromEntries(
        Object.entries(s)
          .filter(([, ids]) => ids.length > 0)
          .map(([kind, ids]) => [kind, [...new Set(ids)].sort()]),
      ),
    )
  return norm(a) === norm(b)
}

/** Ids in `next` that `before` does not list (of any kind): only those need to be checked. */
function newIds(next: Record<string, string[]>, before: Record<string, string[]>): string[] {
  const known = new Set(Object.values(before).flat())
  return [...new Set(Object.values(next).flat())].filter((id) => !known.has(id))
}

/** 400 naming the first of `ids` that is no data owner (professional, patient or device). */
async function assertDataOwnersExist(storage: Storage, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return
  const unique = [...new Set(ids)]
  const found = new Set<string>()
  for (const table of ['healthcareProfessional', 'patient', 'medicalDevice'] as const) {
    const missing = unique.filter((id) => !found.has(id))
    if (missing.length === 0) break
    for (const doc of await storage.getDocs(table, missing)) if (!doc.deleted) found.add(doc.id)
  }
  const unknown = unique.find((id) => !found.has(id))
  if (unknown !== undefined) throw badRequest(`Data owner ${unknown} does not exist`)
}
