import { describe, it, expect } from 'vitest'
import type { DataOwnerType, DelegationDto, EncryptedEntityDto, UserWriteDto } from '@cairn/protocol'
import type { Caller } from '../auth/caller.ts'
import { AppError } from '../http/app-error.ts'
import {
  accessorsOf,
  assertCanCreateDataOwner,
  assertCanCreateEntity,
  assertCanCreateExchangeKey,
  assertCanCreateToken,
  assertCanCreateUser,
  assertCanModifyDataOwner,
  assertNoKeysAtCreation,
  assertCanModifyEntity,
  assertCanModifyUser,
  assertCanQueryAs,
  assertCanReadEntity,
  assertCanReadExchangeKeys,
  assertCanReadUser,
  canReadEntity,
  requireDataOwner,
  type UserCreationFacts,
} from './access-policy.ts'

// Data owner ids (the policy never parses them, so short readable names are enough).
const A = 'hcp-a'
const B = 'hcp-b'
const C = 'hcp-c'
const P = 'patient-p'
const D = 'device-d'

/** A caller as the auth hook builds it, by hand. */
function caller(
  opts: { userId?: string; dataOwnerId?: string; type?: DataOwnerType; admin?: boolean } = {},
): Caller {
  const userId = opts.userId ?? `user-of-${opts.dataOwnerId ?? 'nobody'}`
  return {
    userId,
    requestId: 'request-under-test',
    dataOwnerId: opts.dataOwnerId,
    dataOwnerType: opts.dataOwnerId ? (opts.type ?? 'HealthcareProfessional') : undefined,
    isAdmin: opts.admin ?? false,
  }
}

const hcp = (id: string) => caller({ dataOwnerId: id, type: 'HealthcareProfessional' })
const patient = (id: string) => caller({ dataOwnerId: id, type: 'Patient' })
const device = (id: string) => caller({ dataOwnerId: id, type: 'MedicalDevice' })
const admin = () => caller({ userId: 'admin-user', admin: true })

type MapName = 'delegations' | 'encryptionKeys' | 'cryptedForeignKeys'
interface Entry {
  owner: string
  to: string
  key?: string
  map?: MapName
}

/** An encrypted entity whose maps hold the given entries (default map: delegations). */
function entity(id: string, entries: Entry[], extra: Record<string, unknown> = {}): EncryptedEntityDto {
  const meta = {
    secretForeignKeys: [],
    delegations: {} as Record<string, DelegationDto[]>,
    encryptionKeys: {} as Record<string, DelegationDto[]>,
    cryptedForeignKeys: {} as Record<string, DelegationDto[]>,
    ...extra,
  }
  for (const e of entries) {
    const map = meta[e.map ?? 'delegations']
    ;(map[e.to] ??= []).push({ owner: e.owner, delegatedTo: e.to, key: e.key ?? `${e.owner}->${e.to}` })
  }
  return { id, rev: '1-a', systemMetaData: meta }
}

/** The same entity with both the delegation and the encryption key of each pair. */
const shared = (id: string, pairs: [string, string][], extra: Record<string, unknown> = {}) =>
  entity(
    id,
    pairs.flatMap(([owner, to]) => [
      { owner, to },
      { owner, to, map: 'encryptionKeys' as const },
    ]),
    extra,
  )

const clone = <T>(x: T): T => structuredClone(x)

/** Runs `fn` and returns the AppError it threw; fails the test if it threw nothing or something else. */
function thrown(fn: () => unknown): AppError {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(AppError)
    return e as AppError
  }
  throw new Error('expected an AppError, nothing was thrown')
}

function expectForbidden(fn: () => unknown, message?: RegExp): void {
  const e = thrown(fn)
  expect(e.code).toBe('FORBIDDEN')
  expect(e.status).toBe(403)
  if (message) expect(e.message).toMatch(message)
}

function expectBadRequest(fn: () => unknown, message?: RegExp): void {
  const e = thrown(fn)
  expect(e.code).toBe('BAD_REQUEST')
  expect(e.status).toBe(400)
  if (message) expect(e.message).toMatch(message)
}

describe('requireDataOwner', () => {
  it('returns the data owner id of the caller', () => {
    expect(requireDataOwner(hcp(A))).toBe(A)
    expect(requireDataOwner(patient(P))).toBe(P)
  })
  it('refuses a user that is no data owner, even an admin', () => {
    expectForbidden(() => requireDataOwner(admin()), /not a data owner/)
    expectForbidden(() => requireDataOwner(caller({ userId: 'plain' })), /not a data owner/)
  })
})

describe('accessorsOf / canReadEntity / assertCanReadEntity', () => {
  const doc = shared('e1', [
    [A, A],
    [A, B],
  ])

  it('lists the keys of the delegation map as accessors', () => {
    expect(accessorsOf(doc).sort()).toEqual([A, B])
  })
  it('lets delegates read', () => {
    expect(canReadEntity(hcp(A), 'dataSample', doc)).toBe(true)
    expect(canReadEntity(hcp(B), 'dataSample', doc)).toBe(true)
    expect(() => assertCanReadEntity(hcp(B), 'dataSample', doc)).not.toThrow()
  })
  it('refuses a data owner that is not a delegate', () => {
    expect(canReadEntity(hcp(C), 'dataSample', doc)).toBe(false)
    expectForbidden(
      () => assertCanReadEntity(hcp(C), 'dataSample', doc),
      /hcp-c has no access to dataSample e1/,
    )
  })
  it('does not grant access through an encryption key alone (only delegation keys count)', () => {
    const onlyKey = entity('e2', [
      { owner: A, to: A },
      { owner: A, to: C, map: 'encryptionKeys' },
    ])
    expect(canReadEntity(hcp(C), 'dataSample', onlyKey)).toBe(false)
  })
  it('refuses a caller that is no data owner, even an admin', () => {
    expect(canReadEntity(admin(), 'dataSample', doc)).toBe(false)
    expectForbidden(() => assertCanReadEntity(admin(), 'patient', doc), /\(none\) has no access/)
  })
  it('lets a patient read its own record without a delegation, but only its patient record', () => {
    const record = shared(P, [[A, A]])
    expect(canReadEntity(patient(P), 'patient', record)).toBe(true)
    const sameIdSample = shared(P, [[A, A]])
    expect(canReadEntity(patient(P), 'dataSample', sameIdSample)).toBe(false)
    expect(canReadEntity(patient('other-patient'), 'patient', record)).toBe(false)
  })
  it('gives that own-record right to patient users only (not to a professional reusing the id)', () => {
    const record = shared(P, [[A, A]])
    expect(canReadEntity(hcp(P), 'patient', record)).toBe(false)
    expect(canReadEntity(device(P), 'patient', record)).toBe(false)
    expectForbidden(() => assertCanModifyEntity(hcp(P), 'patient', record, clone(record)), /has no access/)
  })
})

describe('assertCanCreateEntity', () => {
  it('accepts a new entity with a delegation from the caller to itself', () => {
    expect(() => assertCanCreateEntity(hcp(A), 'dataSample', shared('n1', [[A, A]]))).not.toThrow()
  })
  it('accepts own delegations to others next to the self-delegation', () => {
    const doc = shared('n2', [
      [A, A],
      [A, B],
    ])
    expect(() => assertCanCreateEntity(hcp(A), 'healthcareElement', doc)).not.toThrow()
  })
  it('refuses an entity without any delegation', () => {
    expectForbidden(
      () => assertCanCreateEntity(hcp(A), 'patient', entity('n3', [])),
      /must include a delegation from data owner hcp-a to itself/,
    )
  })
  it('refuses an entity delegated only to others', () => {
    expectForbidden(() => assertCanCreateEntity(hcp(A), 'patient', shared('n4', [[A, B]])), /to itself/)
  })
  it('refuses a self-delegation that another data owner "owns"', () => {
    expectForbidden(() => assertCanCreateEntity(hcp(A), 'patient', shared('n5', [[B, A]])), /to itself/)
  })
  it('refuses entries written on behalf of another data owner, in any map', () => {
    expectForbidden(
      () =>
        assertCanCreateEntity(
          hcp(A),
          'dataSample',
          shared('n6', [
            [A, A],
            [B, B],
          ]),
        ),
      /on behalf of data owner hcp-b/,
    )
    for (const map of ['encryptionKeys', 'cryptedForeignKeys'] as const) {
      const doc = entity('n7', [
        { owner: A, to: A },
        { owner: B, to: C, map },
      ])
      expectForbidden(() => assertCanCreateEntity(hcp(A), 'dataSample', doc), /on behalf of data owner hcp-b/)
    }
  })
  it('refuses an entry filed under another delegate than its delegatedTo (400)', () => {
    const doc = shared('n8', [[A, A]])
    doc.systemMetaData.delegations[B] = [{ owner: A, delegatedTo: C, key: 'k' }]
    expectBadRequest(() => assertCanCreateEntity(hcp(A), 'dataSample', doc), /delegations\.hcp-b .* hcp-c/)
  })
  it('refuses a caller that is no data owner (the admin)', () => {
    expectForbidden(
      () => assertCanCreateEntity(admin(), 'patient', shared('n9', [[A, A]])),
      /not a data owner/,
    )
  })
  it('lets only the patient itself publish public keys on a patient record', () => {
    const withKey = shared(P, [[A, A]], { publicKey: 'pk' })
    expectForbidden(() => assertCanCreateEntity(hcp(A), 'patient', withKey), /public keys/)
    const withList = shared(P, [[A, A]], { publicKeysForOaepWithSha256: ['pk'] })
    expectForbidden(() => assertCanCreateEntity(hcp(A), 'patient', withList), /public keys/)
    const emptyList = shared(P, [[A, A]], { publicKeysForOaepWithSha256: [] })
    expect(() => assertCanCreateEntity(hcp(A), 'patient', emptyList)).not.toThrow()
    const own = shared(P, [[P, P]], { publicKey: 'pk', publicKeysForOaepWithSha256: ['pk'] })
    expect(() => assertCanCreateEntity(patient(P), 'patient', own)).not.toThrow()
  })
})

describe('assertCanModifyEntity', () => {
  // A created the entity and shared it with B; B works on it.
  const stored = shared('m1', [
    [A, A],
    [A, B],
  ])

  it('accepts an unchanged document from a delegate', () => {
    expect(() => assertCanModifyEntity(hcp(B), 'dataSample', stored, clone(stored))).not.toThrow()
  })
  it('refuses a data owner without access, even when it only adds its own entries', () => {
    const next = clone(stored)
    next.systemMetaData.delegations[C] = [{ owner: C, delegatedTo: C, key: 'k' }]
    expectForbidden(() => assertCanModifyEntity(hcp(C), 'dataSample', stored, next), /hcp-c has no access/)
  })
  it('refuses a caller that is no data owner (the admin)', () => {
    expectForbidden(
      () => assertCanModifyEntity(admin(), 'dataSample', stored, clone(stored)),
      /not a data owner/,
    )
  })
  it('lets a delegate add its own entries (share further)', () => {
    const next = clone(stored)
    next.systemMetaData.delegations[C] = [{ owner: B, delegatedTo: C, key: 'b->c' }]
    next.systemMetaData.encryptionKeys[C] = [{ owner: B, delegatedTo: C, key: 'b->c' }]
    expect(() => assertCanModifyEntity(hcp(B), 'dataSample', stored, next)).not.toThrow()
  })
  it("refuses removing another owner's entry (the whole delegate key or one entry)", () => {
    const noSelfOfA = clone(stored)
    delete noSelfOfA.systemMetaData.delegations[A]
    expectForbidden(
      () => assertCanModifyEntity(hcp(B), 'dataSample', stored, noSelfOfA),
      /remove or alter the delegation of data owner hcp-a to hcp-a/,
    )
    const noKeyForB = clone(stored)
    noKeyForB.systemMetaData.encryptionKeys[B] = []
    expectForbidden(
      () => assertCanModifyEntity(hcp(B), 'dataSample', stored, noKeyForB),
      /data owner hcp-a to hcp-b/,
    )
  })
  it("refuses altering another owner's entry (key, owner or map)", () => {
    const otherKey = clone(stored)
    otherKey.systemMetaData.delegations[B][0].key = 'forged'
    expectForbidden(() => assertCanModifyEntity(hcp(B), 'dataSample', stored, otherKey), /remove or alter/)
    const otherOwner = clone(stored)
    otherOwner.systemMetaData.encryptionKeys[A][0].owner = B
    expectForbidden(() => assertCanModifyEntity(hcp(B), 'dataSample', stored, otherOwner), /remove or alter/)
    const moved = clone(stored)
    moved.systemMetaData.cryptedForeignKeys[B] = moved.systemMetaData.delegations[B]
    moved.systemMetaData.delegations[B] = []
    expectForbidden(() => assertCanModifyEntity(hcp(B), 'dataSample', stored, moved), /remove or alter/)
    const retagged = clone(stored)
    retagged.systemMetaData.delegations[B][0].tags = ['anything']
    expectForbidden(() => assertCanModifyEntity(hcp(B), 'dataSample', stored, retagged), /remove or alter/)
  })
  it('refuses adding entries owned by another data owner', () => {
    const next = clone(stored)
    next.systemMetaData.delegations[C] = [{ owner: A, delegatedTo: C, key: 'a->c' }]
    expectForbidden(
      () => assertCanModifyEntity(hcp(B), 'dataSample', stored, next),
      /on behalf of data owner hcp-a/,
    )
  })
  it('lets an owner change or remove its own entries', () => {
    const withBC = clone(stored)
    withBC.systemMetaData.delegations[C] = [{ owner: B, delegatedTo: C, key: 'b->c' }]
    const rekeyed = clone(withBC)
    rekeyed.systemMetaData.delegations[C][0].key = 'b->c v2'
    expect(() => assertCanModifyEntity(hcp(B), 'dataSample', withBC, rekeyed)).not.toThrow()
    expect(() => assertCanModifyEntity(hcp(B), 'dataSample', withBC, clone(stored))).not.toThrow()
  })
  it('refuses an entry filed under another delegate than its delegatedTo (400)', () => {
    const next = clone(stored)
    next.systemMetaData.delegations[C] = [{ owner: B, delegatedTo: A, key: 'x' }]
    expectBadRequest(() => assertCanModifyEntity(hcp(B), 'dataSample', stored, next), /holds an entry/)
  })

  describe('public keys of a patient record', () => {
    const record = shared(P, [[A, A]], { publicKey: 'pk1', publicKeysForOaepWithSha256: ['pk1', 'pk2'] })
    const withMeta = (meta: Record<string, unknown>) => {
      const next = clone(record)
      Object.assign(next.systemMetaData, meta)
      return next
    }

    it('cannot be replaced, added to or removed by a professional with access', () => {
      for (const meta of [
        { publicKey: 'evil' },
        { publicKey: undefined },
        { publicKeysForOaepWithSha256: ['pk1', 'pk2', 'evil'] },
        { publicKeysForOaepWithSha256: ['pk1'] },
        { publicKeysForOaepWithSha256: [] },
      ]) {
        expectForbidden(
          () => assertCanModifyEntity(hcp(A), 'patient', record, withMeta(meta)),
          /Only patient patient-p itself may change its public keys/,
        )
      }
    })
    it('are unchanged when the list is reordered', () => {
      const next = withMeta({ publicKeysForOaepWithSha256: ['pk2', 'pk1'] })
      expect(() => assertCanModifyEntity(hcp(A), 'patient', record, next)).not.toThrow()
    })
    it('count an absent list and an empty list as the same (unchanged)', () => {
      const noKeys = shared(P, [[A, A]])
      for (const meta of [{ publicKeysForOaepWithSha256: [] }, { publicKeysForOaepWithSha256: undefined }]) {
        const next = clone(noKeys)
        Object.assign(next.systemMetaData, meta)
        expect(() => assertCanModifyEntity(hcp(A), 'patient', noKeys, next)).not.toThrow()
        expect(() => assertCanModifyEntity(hcp(A), 'patient', next, clone(noKeys))).not.toThrow()
      }
      const added = clone(noKeys)
      added.systemMetaData.publicKeysForOaepWithSha256 = ['evil']
      expectForbidden(() => assertCanModifyEntity(hcp(A), 'patient', noKeys, added), /public keys/)
    })
    it('are added to by the patient itself, which needs no delegation to its own record', () => {
      const next = withMeta({ publicKeysForOaepWithSha256: ['pk1', 'pk2', 'pk3'] })
      expect(() => assertCanModifyEntity(patient(P), 'patient', record, next)).not.toThrow()
      const stmt = { statement: 'key-revoke', fingerprint: 'f1', signerFingerprint: 'f2', signature: 's' }
      const revoked = withMeta({ keyStatements: [stmt] })
      expect(() => assertCanModifyEntity(patient(P), 'patient', record, revoked)).not.toThrow()
      expectForbidden(() => assertCanModifyEntity(hcp(A), 'patient', record, revoked), /itself may change/)
    })
    it('are append-only, even for the patient itself (protocol v2)', () => {
      for (const meta of [
        { publicKey: 'pk3' },
        { publicKeysForOaepWithSha256: ['pk1'] },
        { publicKeysForOaepWithSha256: ['pk1', 'pk3'] },
      ]) {
        expectForbidden(
          () => assertCanModifyEntity(patient(P), 'patient', record, withMeta(meta)),
          /append-only/,
        )
      }
      const stmt = { statement: 'key-add', fingerprint: 'f3', signerFingerprint: 'f1', signature: 's' }
      const withStmt = withMeta({ keyStatements: [stmt] })
      const dropped = clone(withStmt)
      dropped.systemMetaData.keyStatements = []
      expectForbidden(() => assertCanModifyEntity(patient(P), 'patient', withStmt, dropped), /append-only/)
    })
    it('are not protected that way on other entity types (no keys there)', () => {
      const sample = shared(P, [[A, A]], { publicKey: 'pk1' })
      const next = clone(sample)
      next.systemMetaData.publicKey = 'other'
      expect(() => assertCanModifyEntity(hcp(A), 'dataSample', sample, next)).not.toThrow()
    })
  })
})

describe('assertCanQueryAs', () => {
  it('queries as the caller when no data owner is named, or the caller itself is named', () => {
    expect(assertCanQueryAs(hcp(A), undefined)).toBe(A)
    expect(assertCanQueryAs(hcp(A), A)).toBe(A)
    expect(assertCanQueryAs(patient(P), P)).toBe(P)
  })
  it('refuses querying as another data owner', () => {
    expectForbidden(
      () => assertCanQueryAs(patient(P), A),
      /patient-p cannot query the data of data owner hcp-a/,
    )
    expectForbidden(() => assertCanQueryAs(hcp(B), A), /cannot query/)
  })
  it('refuses a caller that is no data owner', () => {
    expectForbidden(() => assertCanQueryAs(admin(), undefined), /not a data owner/)
  })
})

describe('assertCanCreateDataOwner', () => {
  it('lets admins and professionals create professionals and devices', () => {
    for (const who of [admin(), hcp(A)]) {
      expect(() => assertCanCreateDataOwner(who, 'healthcareProfessional')).not.toThrow()
      expect(() => assertCanCreateDataOwner(who, 'medicalDevice')).not.toThrow()
    }
  })
  it('refuses patients, devices and plain users', () => {
    for (const who of [patient(P), device(D), caller({ userId: 'plain' })]) {
      expectForbidden(() => assertCanCreateDataOwner(who, 'healthcareProfessional'), /Only an admin/)
    }
  })
})

describe('assertCanModifyDataOwner', () => {
  const stored = {
    id: A,
    rev: '1-a',
    firstName: 'Ann',
    systemMetaData: { publicKey: 'pk1', publicKeysForOaepWithSha256: ['pk1'] },
  }
  const withMeta = (meta: Record<string, unknown> | undefined, extra: Record<string, unknown> = {}) => ({
    ...clone(stored),
    ...extra,
    systemMetaData: meta,
  })

  it('lets only the data owner itself add keys: never an admin (protocol v2), and never remove one', () => {
    const added = withMeta({ publicKey: 'pk1', publicKeysForOaepWithSha256: ['pk1', 'pk2'] })
    expect(() => assertCanModifyDataOwner(hcp(A), 'healthcareProfessional', stored, added)).not.toThrow()
    expectForbidden(
      () => assertCanModifyDataOwner(admin(), 'healthcareProfessional', stored, added),
      /Only healthcareProfessional hcp-a itself may change its public keys/,
    )
    const replaced = withMeta({ publicKey: 'pk2', publicKeysForOaepWithSha256: ['pk2'] })
    expectForbidden(
      () => assertCanModifyDataOwner(hcp(A), 'healthcareProfessional', stored, replaced),
      /append-only/,
    )
    const profile = withMeta(clone(stored.systemMetaData), { firstName: 'Anna' })
    expect(() => assertCanModifyDataOwner(admin(), 'healthcareProfessional', stored, profile)).not.toThrow()
  })
  it('refuses a new professional or device that carries keys (they publish their own at first login)', () => {
    expect(() => assertNoKeysAtCreation('healthcareProfessional', { systemMetaData: {} })).not.toThrow()
    for (const meta of [{ publicKey: 'pk' }, { publicKeysForOaepWithSha256: ['pk'] }]) {
      expectForbidden(
        () => assertNoKeysAtCreation('medicalDevice', { systemMetaData: meta }),
        /cannot carry public keys/,
      )
    }
  })
  it('lets another professional edit the profile but not the keys', () => {
    const profile = withMeta(clone(stored.systemMetaData), { firstName: 'Anna' })
    expect(() => assertCanModifyDataOwner(hcp(B), 'healthcareProfessional', stored, profile)).not.toThrow()
    for (const meta of [
      { publicKey: 'evil', publicKeysForOaepWithSha256: ['pk1'] },
      { publicKey: 'pk1', publicKeysForOaepWithSha256: ['pk1', 'evil'] },
      { publicKey: 'pk1' },
      undefined,
    ]) {
      expectForbidden(
        () => assertCanModifyDataOwner(hcp(B), 'healthcareProfessional', stored, withMeta(meta)),
        /Only healthcareProfessional hcp-a itself may change its public keys/,
      )
    }
  })
  it('counts an absent key list and an empty one as the same', () => {
    const noKeys = { id: D, systemMetaData: {} }
    const next = { id: D, systemMetaData: { publicKeysForOaepWithSha256: [] } }
    expect(() => assertCanModifyDataOwner(hcp(B), 'medicalDevice', noKeys, next)).not.toThrow()
  })
  it('refuses patients and devices modifying another data owner', () => {
    const profile = withMeta(clone(stored.systemMetaData), { firstName: 'Anna' })
    expectForbidden(() => assertCanModifyDataOwner(patient(P), 'healthcareProfessional', stored, profile))
    expectForbidden(() => assertCanModifyDataOwner(device(D), 'healthcareProfessional', stored, profile))
  })
})

describe('assertCanCreateUser', () => {
  const facts = (f: Partial<UserCreationFacts> = {}): UserCreationFacts => ({
    dataOwnerExists: true,
    dataOwnerHasUser: false,
    callerHasPatientAccess: false,
    ...f,
  })
  const user = (extra: Partial<UserWriteDto> = {}): UserWriteDto => ({
    id: '00000000-0000-4000-8000-000000000001',
    login: 'new-user',
    ...extra,
  })

  it('lets an admin create any user, with roles and without a data owner', () => {
    expect(() => assertCanCreateUser(admin(), user({ roles: ['ADMIN'] }), facts())).not.toThrow()
    expect(() => assertCanCreateUser(admin(), user({ healthcarePartyId: B }), facts())).not.toThrow()
  })
  it('refuses a user linked to more than one data owner, even for an admin (400)', () => {
    expectBadRequest(
      () => assertCanCreateUser(admin(), user({ healthcarePartyId: B, patientId: P }), facts()),
      /at most one data owner/,
    )
    expectBadRequest(
      () =>
        assertCanCreateUser(
          hcp(A),
          user({ patientId: P, deviceId: D }),
          facts({ callerHasPatientAccess: true }),
        ),
      /at most one data owner/,
    )
  })
  it('refuses a link to a data owner that does not exist (400)', () => {
    expectBadRequest(
      () => assertCanCreateUser(admin(), user({ deviceId: D }), facts({ dataOwnerExists: false })),
      /device-d does not exist/,
    )
  })
  it('lets a professional create a user for a patient it has access to', () => {
    expect(() =>
      assertCanCreateUser(hcp(A), user({ patientId: P }), facts({ callerHasPatientAccess: true })),
    ).not.toThrow()
  })
  it('refuses a professional creating a user for a patient it has no access to', () => {
    expectForbidden(
      () => assertCanCreateUser(hcp(A), user({ patientId: P }), facts({ callerHasPatientAccess: false })),
      /hcp-a has no access to patient patient-p/,
    )
  })
  it('lets a professional create a user for a professional or device that has none', () => {
    expect(() => assertCanCreateUser(hcp(A), user({ healthcarePartyId: B }), facts())).not.toThrow()
    expect(() => assertCanCreateUser(hcp(A), user({ deviceId: D }), facts())).not.toThrow()
  })
  it('refuses a professional creating a user for a data owner that already has one', () => {
    expectForbidden(
      () => assertCanCreateUser(hcp(A), user({ healthcarePartyId: B }), facts({ dataOwnerHasUser: true })),
      /hcp-b already has a user/,
    )
    expectForbidden(
      () =>
        assertCanCreateUser(
          hcp(A),
          user({ patientId: P }),
          facts({ dataOwnerHasUser: true, callerHasPatientAccess: true }),
        ),
      /already has a user/,
    )
  })
  it('refuses a professional creating a user that is no data owner', () => {
    expectForbidden(() => assertCanCreateUser(hcp(A), user(), facts()), /only create users for data owners/)
  })
  it('lets only admins set roles', () => {
    expectForbidden(
      () => assertCanCreateUser(hcp(A), user({ healthcarePartyId: B, roles: ['ADMIN'] }), facts()),
      /Only admins may set roles/,
    )
    expect(() =>
      assertCanCreateUser(hcp(A), user({ healthcarePartyId: B, roles: [] }), facts()),
    ).not.toThrow()
  })
  it('refuses patients, devices and plain users', () => {
    for (const who of [patient(P), device(D), caller({ userId: 'plain' })]) {
      expectForbidden(
        () => assertCanCreateUser(who, user({ patientId: P }), facts({ callerHasPatientAccess: true })),
        /Only admins and healthcare professionals/,
      )
      expectForbidden(
        () => assertCanCreateUser(who, user(), facts()),
        /Only admins and healthcare professionals/,
      )
    }
  })
})

describe('assertCanModifyUser', () => {
  const stored = {
    id: 'user-p',
    rev: '1-u',
    login: 'p@example.org',
    name: 'Pat',
    patientId: P,
    roles: ['READER', 'WRITER'],
    status: 'ACTIVE',
  }
  const me = caller({ userId: 'user-p', dataOwnerId: P, type: 'Patient' })
  const next = (extra: Record<string, unknown> = {}): UserWriteDto => {
    const out = { ...clone(stored), ...extra } as Record<string, unknown>
    for (const [k, v] of Object.entries(extra)) if (v === undefined) delete out[k]
    return out as UserWriteDto
  }

  it('lets a user change its own profile, password and sharing', () => {
    expect(() =>
      assertCanModifyUser(
        me,
        stored,
        next({ name: 'Patricia', password: 'new', sharingDataWith: { all: [A] } }),
      ),
    ).not.toThrow()
  })
  it('refuses a user changing which data owner it acts as', () => {
    for (const change of [
      { patientId: 'other-patient' },
      { patientId: undefined },
      { healthcarePartyId: A },
      { patientId: undefined, healthcarePartyId: A },
      { deviceId: D },
    ]) {
      expectForbidden(() => assertCanModifyUser(me, stored, next(change)), /cannot change its own/)
    }
  })
  it('refuses a user changing its own status', () => {
    expectForbidden(() => assertCanModifyUser(me, stored, next({ status: 'DISABLED' })), /own status/)
    const { status: _status, ...noStatus } = stored
    expectForbidden(() => assertCanModifyUser(me, noStatus, next({ status: 'DISABLED' })), /own status/)
  })
  it('counts an absent status as unchanged (the stored status is kept)', () => {
    expect(() => assertCanModifyUser(me, stored, next({ status: undefined }))).not.toThrow()
    expect(() => assertCanModifyUser(me, stored, next({ status: 'ACTIVE' }))).not.toThrow()
  })
  it('refuses a user changing its own roles, but accepts the same roles in any order or none given', () => {
    expectForbidden(
      () => assertCanModifyUser(me, stored, next({ roles: ['READER', 'WRITER', 'ADMIN'] })),
      /own roles/,
    )
    expectForbidden(() => assertCanModifyUser(me, stored, next({ roles: [] })), /own roles/)
    expect(() => assertCanModifyUser(me, stored, next({ roles: ['WRITER', 'READER'] }))).not.toThrow()
    expect(() => assertCanModifyUser(me, stored, next({ roles: undefined }))).not.toThrow()
  })
  it('refuses modifying another user, even as a professional', () => {
    expectForbidden(
      () => assertCanModifyUser(hcp(A), stored, next({ name: 'x' })),
      /may not modify user user-p/,
    )
  })
  it('lets an admin change links, roles and status', () => {
    expect(() =>
      assertCanModifyUser(admin(), stored, next({ status: 'DISABLED', roles: ['ADMIN'], patientId: 'p2' })),
    ).not.toThrow()
  })
})

describe('assertCanReadUser / assertCanCreateToken', () => {
  it('lets a user read itself, and admins and professionals read users', () => {
    expect(() => assertCanReadUser(patient(P), 'user-of-patient-p')).not.toThrow()
    expect(() => assertCanReadUser(admin(), 'anyone')).not.toThrow()
    expect(() => assertCanReadUser(hcp(A), 'anyone')).not.toThrow()
  })
  it('refuses a patient or device reading another user', () => {
    expectForbidden(() => assertCanReadUser(patient(P), 'someone-else'), /may not read user someone-else/)
    expectForbidden(() => assertCanReadUser(device(D), 'someone-else'))
  })
  it('lets only the user itself or an admin create its tokens', () => {
    expect(() => assertCanCreateToken(patient(P), 'user-of-patient-p')).not.toThrow()
    expect(() => assertCanCreateToken(admin(), 'someone')).not.toThrow()
    expectForbidden(() => assertCanCreateToken(hcp(A), 'user-of-patient-p'), /may not create tokens/)
  })
})

describe('exchange keys', () => {
  it('are created by their delegator only', () => {
    expect(() => assertCanCreateExchangeKey(patient(P), P)).not.toThrow()
    expectForbidden(
      () => assertCanCreateExchangeKey(patient(P), A),
      /patient-p cannot create exchange keys for delegator hcp-a/,
    )
    expectForbidden(() => assertCanCreateExchangeKey(admin(), A), /not a data owner/)
  })
  it('are read by the two parties of the pair only', () => {
    expect(() => assertCanReadExchangeKeys(hcp(A), A, B)).not.toThrow()
    expect(() => assertCanReadExchangeKeys(hcp(B), A, B)).not.toThrow()
    expectForbidden(
      () => assertCanReadExchangeKeys(hcp(C), A, B),
      /hcp-c cannot read exchange keys of hcp-a -> hcp-b/,
    )
    expectForbidden(() => assertCanReadExchangeKeys(patient(P), A, B))
    expectForbidden(() => assertCanReadExchangeKeys(admin(), A, B), /not a data owner/)
  })
})
