import { randomUUID } from 'node:crypto'
import type { EncryptedEntityDto, UserDto } from '@cairn/protocol'
import type { EventBus } from '../events/event-bus.ts'
import { conflict } from '../http/app-error.ts'
import { StorageConflict, type DocWrite, type Storage } from '../storage/storage.ts'
import type { StoredAuthProcess, StoredAuthRequest } from '../storage/auth-process-store.ts'
import { nextRev } from '../entities/shared/revision.ts'
import { dataOwnerDocIndexes } from '../entities/shared/data-owner-doc-write.ts'
import { indexValues } from '../entities/encrypted-entity/index-values.ts'
import { userRow } from '../entities/user/user-row.ts'

/** A name given at sign-up, trimmed; undefined when empty. */
const nameOf = (value: string | null): string | undefined => value?.trim() || undefined

/**
 * The data-owner record a registration creates, as stored: clear names only, no key, no delegation.
 * `author` is the new user, `responsible` the process's responsible professional when it has one.
 *
 * A patient record is an encrypted entity that nobody can decrypt yet, and does not need to: its
 * patient's first login (the SDK's MedTechApiBuilder.build) finds no key of its own, generates a key
 * pair on the device and publishes it on the record (the patient may change its own keys), then sees
 * that it holds no secret id of its own record and adds one with a self delegation
 * (withNewSecretIdForSelf). Until then the record has no access entry, so it is readable by its patient
 * only (access-policy: a patient reads its own record) and found by nobody's search.
 */
export function registeredDataOwner(
  kind: StoredAuthProcess['kind'],
  id: string,
  userId: string,
  names: { firstName?: string; lastName?: string },
  responsible: string | undefined,
  now: number,
): DocWrite {
  const base = {
    id,
    created: now,
    modified: now,
    author: userId,
    ...(responsible ? { responsible } : {}),
    ...(names.firstName ? { firstName: names.firstName } : {}),
    ...(names.lastName ? { lastName: names.lastName } : {}),
  }
  const body =
    kind === 'patient'
      ? {
          ...base,
          systemMetaData: {
            secretForeignKeys: [],
            cryptedForeignKeys: {},
            delegations: {},
            encryptionKeys: {},
          },
        }
      : base
  const text = JSON.stringify(body)
  const rev = nextRev(undefined, text)
  return {
    id,
    rev,
    doc: `${text.slice(0, -1)},"rev":${JSON.stringify(rev)}}`,
    created: now,
    modified: now,
    indexes:
      kind === 'patient'
        ? indexValues('patient', body as unknown as EncryptedEntityDto)
        : dataOwnerDocIndexes('healthcareProfessional', body),
  }
}

/**
 * Creates the account of a sign-up once its code validated: a data owner of the process's kind (a
 * patient or a healthcare professional, see registeredDataOwner) and its user — login the email or
 * phone the code went to, that email or mobile phone set, no password (the code logs in once; the
 * app then keeps the long-lived token it mints), managed by the process's responsible professional.
 *
 * Both are inserted in one transaction, so there is never a data owner without its user nor the
 * reverse, and a second validation (a retry after a crash, or two at once) finds the user and creates
 * nothing more.
 */
export class Registration {
  constructor(
    private readonly storage: Storage,
    private readonly events: EventBus,
  ) {}

  /** Creates the account of `request` unless a user already has its recipient; `requestId` for the events. */
  async register(
    process: StoredAuthProcess,
    request: StoredAuthRequest,
    requestId: string,
    now: number,
  ): Promise<void> {
    if (await this.storage.findUserByIdentifier(request.recipient)) return
    const userId = randomUUID()
    const dataOwnerId = randomUUID()
    const firstName = nameOf(request.firstName)
    const lastName = nameOf(request.lastName)
    const write = registeredDataOwner(
      process.kind,
      dataOwnerId,
      userId,
      { firstName, lastName },
      process.responsibleHcpId ?? undefined,
      now,
    )
    const user: UserDto = {
      id: userId,
      created: now,
      name: [firstName, lastName].filter(Boolean).join(' ') || request.recipient,
      login: request.recipient,
      ...(process.channel === 'email' ? { email: request.recipient } : { mobilePhone: request.recipient }),
      ...(process.kind === 'patient' ? { patientId: dataOwnerId } : { healthcarePartyId: dataOwnerId }),
      roles: [],
      properties: [],
      sharingDataWith: {},
      authenticationTokens: {},
      status: 'ACTIVE',
    }
    const row = userRow(user, undefined, null, now, process.responsibleHcpId)
    const table = process.kind === 'patient' ? 'patient' : 'healthcareProfessional'
    try {
      await this.storage.insertDataOwnerWithUser(table, write, row)
    } catch (e) {
      if (!(e instanceof StorageConflict)) throw e
      // Another validation of the same sign-up got there first: its account is the one.
      if (await this.storage.findUserByIdentifier(request.recipient)) return
      throw conflict('A user with this login, email or phone already exists')
    }
    const actor = { userId, dataOwnerId }
    this.events.emit([
      {
        kind: 'create',
        entityType: table,
        id: dataOwnerId,
        rev: write.rev,
        actor,
        requestId,
        delegates: [],
        at: now,
      },
      {
        kind: 'user-change',
        entityType: 'user',
        id: userId,
        rev: row.rev,
        actor,
        requestId,
        delegates: [],
        at: now,
        change: 'create',
      },
    ])
  }
}
