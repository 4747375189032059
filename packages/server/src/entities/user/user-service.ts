import { randomBytes, randomUUID } from 'node:crypto'
import {
  normaliseSharedDataType,
  type EncryptedEntityDto,
  type UserDto,
  type UserWriteDto,
} from '@cairn/protocol'
import type { Caller } from '../../auth/caller.ts'
import {
  assertCanCreateToken,
  assertCanCreateUser,
  assertCanModifyUser,
  assertCanReadUser,
  canReadEntity,
} from '../../access/access-policy.ts'
import { hashSecret } from '../../auth/password.ts'
import { badRequest, conflict, notFound } from '../../http/app-error.ts'
import type { EventBus } from '../../events/event-bus.ts'
import { StorageConflict, type Storage, type UserRow } from '../../storage/storage.ts'
import { nextRev } from '../shared/revision.ts'

/** Default validity of long-lived tokens: 30 days, as MedTech's `createToken`. */
const DEFAULT_TOKEN_VALIDITY = 30 * 24 * 3600
/** Retries of read-modify-write updates that raced with another writer of the same user. */
const RACE_RETRIES = 5

/**
 * Users: creation (by admins, and by healthcare professionals for data owners), self-service
 * modification, long-lived tokens, and the automatic-sharing lists (`sharingDataWith`).
 */
export class UserService {
  constructor(
    private readonly storage: Storage,
    private readonly events: EventBus,
  ) {}

  /** Emits the `user-change` event of a committed write of user `id`. */
  private emit(caller: Caller, id: string, rev: string): void {
    this.events.emit([
      {
        kind: 'user-change',
        entityType: 'user',
        id,
        rev,
        actor: { userId: caller.userId, dataOwnerId: caller.dataOwnerId },
        requestId: caller.requestId,
        delegates: [],
        at: Date.now(),
      },
    ])
  }

  /** The public user (never any hash). */
  async get(caller: Caller, id: string): Promise<UserDto> {
    assertCanReadUser(caller, id)
    const row = await this.storage.getUser(id)
    if (!row) throw notFound(`User ${id} does not exist`)
    return JSON.parse(row.doc) as UserDto
  }

  /** Creates a user; the clear password is hashed (scrypt) and never stored or returned. */
  async create(caller: Caller, dto: UserWriteDto): Promise<UserDto> {
    const link = dto.healthcarePartyId ?? dto.patientId ?? dto.deviceId
    const facts = { dataOwnerExists: false, dataOwnerHasUser: false, callerHasPatientAccess: false }
    if (link) {
      const hcp =
        dto.healthcarePartyId && (await this.storage.getDoc('healthcareProfessional', dto.healthcarePartyId))
      const dev = dto.deviceId && (await this.storage.getDoc('medicalDevice', dto.deviceId))
      const pat = dto.patientId && (await this.storage.getDoc('patient', dto.patientId))
      facts.dataOwnerExists = Boolean(hcp || dev || pat)
      facts.dataOwnerHasUser = (await this.storage.findUsersByDataOwner(link)).length > 0
      facts.callerHasPatientAccess = Boolean(
        pat && canReadEntity(caller, 'patient', JSON.parse(pat.doc) as EncryptedEntityDto),
      )
    }
    assertCanCreateUser(caller, dto, facts)
    const login = dto.login ?? dto.email ?? dto.mobilePhone
    if (!login) throw badRequest('A user needs a login, an email or a mobilePhone')
    const now = Date.now()
    const password = dto.password ?? dto.passwordHash
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
      sharingDataWith: this.normaliseSharing(dto.sharingDataWith ?? {}),
      authenticationTokens: {},
      status: dto.status ?? 'ACTIVE',
    }
    const row = this.toRow(user, undefined, password ? await hashSecret(password) : null, now)
    await this.storage.insertUser(row).catch((e) => {
      throw e instanceof StorageConflict
        ? conflict(`A user with this id, login, email or phone already exists`)
        : e
    })
    this.emit(caller, row.id, row.rev)
    return JSON.parse(row.doc) as UserDto
  }

  /**
   * Modifies a user with optimistic concurrency; tokens and creation date are kept from the stored
   * user. A caller who may read the user gets 409 for a stale rev before any write rule is applied
   * (nothing saved, whatever else is wrong); one who may not read it gets the 403 of a read, so the
   * answer tells it nothing about that user. Storage re-checks the rev in the UPDATE.
   */
  async modify(caller: Caller, dto: UserWriteDto): Promise<UserDto> {
    if (!dto.rev) throw badRequest(`User ${dto.id}: rev is required to modify`)
    assertCanReadUser(caller, dto.id, 'modify')
    const row = await this.storage.getUser(dto.id)
    if (!row) throw notFound(`User ${dto.id} does not exist`)
    if (dto.rev !== row.rev)
      throw conflict(`User ${dto.id}: rev ${dto.rev} is stale (current ${row.rev}); nothing was saved`)
    const stored = JSON.parse(row.doc) as UserDto
    assertCanModifyUser(caller, stored, dto)
    const password =
      dto.password ?? (dto.passwordHash && dto.passwordHash !== '*' ? dto.passwordHash : undefined)
    const user: UserDto = {
      ...stored,
      name: dto.name,
      login: dto.login ?? stored.login,
      email: dto.email,
      mobilePhone: dto.mobilePhone,
      healthcarePartyId: dto.healthcarePartyId,
      patientId: dto.patientId,
      deviceId: dto.deviceId,
      roles: dto.roles ?? stored.roles,
      properties: dto.properties ?? stored.properties,
      sharingDataWith: this.normaliseSharing(dto.sharingDataWith ?? stored.sharingDataWith),
      status: dto.status ?? stored.status,
    }
    const next = this.toRow(user, row, password ? await hashSecret(password) : row.passwordHash, Date.now())
    await this.storage.updateUser(next, row.rev).catch((e) => {
      throw e instanceof StorageConflict
        ? conflict(`User ${dto.id} conflicts: stale rev or login/email/phone taken`)
        : e
    })
    this.emit(caller, next.id, next.rev)
    return JSON.parse(next.doc) as UserDto
  }

  /** Creates a long-lived token usable as a password; only its scrypt hash is stored. */
  async createToken(caller: Caller, userId: string, validity = DEFAULT_TOKEN_VALIDITY): Promise<string> {
    assertCanCreateToken(caller, userId)
    if (!(await this.storage.getUser(userId))) throw notFound(`User ${userId} does not exist`)
    const tokenId = randomUUID()
    const secret = randomBytes(32).toString('base64url')
    const now = Date.now()
    await this.storage.insertUserToken({
      userId,
      tokenId,
      hash: await hashSecret(secret),
      created: now,
      validity,
    })
    await this.update(caller, userId, (u) => ({
      ...u,
      authenticationTokens: { ...u.authenticationTokens, [tokenId]: { creationTime: now, validity } },
    }))
    return `${tokenId}.${secret}`
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
    if (add) await this.assertDataOwnersExist(ids)
    return this.update(caller, caller.userId, (u) => {
      const current = u.sharingDataWith[kind] ?? []
      const ids2 = add ? [...new Set([...current, ...ids])] : current.filter((x) => !ids.includes(x))
      if (u.sharingDataWith[kind] && ids2.length === current.length && ids2.every((x, i) => x === current[i]))
        return u
      return { ...u, sharingDataWith: { ...u.sharingDataWith, [kind]: ids2 } }
    })
  }

  /** Read-modify-write of a user, retried when another writer got there first; no write if unchanged. */
  private async update(caller: Caller, userId: string, change: (u: UserDto) => UserDto): Promise<UserDto> {
    for (let attempt = 0; ; attempt++) {
      const row = await this.storage.getUser(userId)
      if (!row) throw notFound(`User ${userId} does not exist`)
      const before = JSON.parse(row.doc) as UserDto
      const after = change(before)
      if (after === before) return before
      const next = this.toRow(after, row, row.passwordHash, Date.now())
      try {
        await this.storage.updateUser(next, row.rev)
        this.emit(caller, next.id, next.rev)
        return JSON.parse(next.doc) as UserDto
      } catch (e) {
        if (!(e instanceof StorageConflict) || attempt >= RACE_RETRIES) throw e
      }
    }
  }

  private normaliseSharing(sharing: Record<string, string[]>): Record<string, string[]> {
    const out: Record<string, string[]> = {}
    for (const [k, ids] of Object.entries(sharing)) {
      const kind = normaliseSharedDataType(k)
      if (!kind) throw badRequest(`Unknown kind of shared data "${k}"`)
      out[kind] = [...new Set([...(out[kind] ?? []), ...ids])]
    }
    return out
  }

  private async assertDataOwnersExist(ids: string[]): Promise<void> {
    for (const id of ids) {
      const found =
        (await this.storage.getDoc('healthcareProfessional', id)) ??
        (await this.storage.getDoc('patient', id)) ??
        (await this.storage.getDoc('medicalDevice', id))
      if (!found) throw badRequest(`Data owner ${id} does not exist`)
    }
  }

  private toRow(
    user: UserDto,
    previous: UserRow | undefined,
    passwordHash: string | null,
    now: number,
  ): UserRow {
    const body = { ...user, rev: undefined }
    const rev = nextRev(previous?.rev, JSON.stringify(body))
    const doc = JSON.stringify({ ...user, rev })
    return {
      id: user.id,
      rev,
      // Logins and emails are matched case-insensitively: the indexed columns hold them lower-cased
      // (so Jane@Example.org and jane@example.org are one login), the document keeps them as given.
      login: (user.login ?? user.id).toLowerCase(),
      email: user.email?.toLowerCase() ?? null,
      mobilePhone: user.mobilePhone ?? null,
      dataOwnerId: user.healthcarePartyId ?? user.patientId ?? user.deviceId ?? null,
      status: user.status ?? 'ACTIVE',
      passwordHash,
      doc,
      created: user.created ?? now,
      modified: now,
    }
  }
}
