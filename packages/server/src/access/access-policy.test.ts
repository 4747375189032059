import { describe, it, expect } from 'vitest'
import type { DataOwnerType, DelegationDto, EncryptedEntityDto, UserWriteDto } from '@cairn/protocol'
import type { Caller } from '../auth/caller.ts'
import { AppError } from '../http/app-error.ts'
import {
  accessorsOf,
  assertCanCreateDataOwner,
  assertCanCreateEntity,
  assertCanCreateExchangeKey,
  assertCanCreateUser,
  assertCanDeleteUser,
  assertCanLinkDataOwner,
  assertCanManageTokens,
  assertCanManageUser,
  assertCanModifyDataOwner,
  assertNoKeysAtCreation,
  assertCanModifyEntity,
  assertCanModifyUser,
  assertCanQueryAs,
  assertCanReadEntity,
  assertCanReadExchangeKeys,
  assertCanSeeUser,
  canReadEntity,
  isManagerOf,
  requireDataOwner,
  userNotFound,
  userVisibility,
  type DataOwnerLinkTarget,
  type ManagedUser,
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

/** The answer for an entity the caller may not see: the 404 of an unknown id (no existence oracle). */
function expectHidden(fn: () => unknown, message?: RegExp): void {
  const e = thrown(fn)
  expect(e.code).toBe('NOT_FOUND')
  expect(e.status).toBe(404)
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
    expectHidden(() => assertCanReadEntity(hcp(C), 'dataSample', doc), /^dataSample e1 not found$/)
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
    expectHidden(() => assertCanReadEntity(admin(), 'patient', doc), /^patient e1 not found$/)
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
    expectHidden(() => assertCanModifyEntity(hcp(P), 'patient', record, clone(record)), /not found/)
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
    expectHidden(() => assertCanModifyEntity(hcp(C), 'dataSample', stored, next), /not found/)
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
  // hcp-a's record, created by hcp-c (its `responsible`).
  const stored = {
    id: A,
    rev: '1-a',
    firstName: 'Ann',
    responsible: C,
    systemMetaData: { publicKey: 'pk1', publicKeysForOaepWithSha256: ['pk1'] },
  }
  const withMeta = (meta: Record<string, unknown> | undefined, extra: Record<string, unknown> = {}) => ({
    ...clone(stored),
    ...extra,
    systemMetaData: meta,
  })
  const profile = () => withMeta(clone(stored.systemMetaData), { firstName: 'Anna' })

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
    expect(() => assertCanModifyDataOwner(admin(), 'healthcareProfessional', stored, profile())).not.toThrow()
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
  it('lets the professional that created the record edit its profile, but not its keys', () => {
    expect(() => assertCanModifyDataOwner(hcp(C), 'healthcareProfessional', stored, profile())).not.toThrow()
    for (const meta of [
      { publicKey: 'evil', publicKeysForOaepWithSha256: ['pk1'] },
      { publicKey: 'pk1', publicKeysForOaepWithSha256: ['pk1', 'evil'] },
      { publicKey: 'pk1' },
      undefined,
    ]) {
      expectForbidden(
        () => assertCanModifyDataOwner(hcp(C), 'healthcareProfessional', stored, withMeta(meta)),
        /Only healthcareProfessional hcp-a itself may change its public keys/,
      )
    }
  })
  it('refuses any other professional, even for the profile only (403: the record is public)', () => {
    expectForbidden(
      () => assertCanModifyDataOwner(hcp(B), 'healthcareProfessional', stored, profile()),
      /hcp-b may not modify healthcareProfessional hcp-a: only itself, the professional that created it and admins may/,
    )
    // A record an admin created (no responsible): itself and admins only.
    const { responsible: _r, ...adminMade } = stored
    const { responsible: _r2, ...renamed } = profile()
    expectForbidden(
      () => assertCanModifyDataOwner(hcp(C), 'healthcareProfessional', adminMade, renamed),
      /hcp-c may not modify/,
    )
    expect(() => assertCanModifyDataOwner(hcp(A), 'healthcareProfessional', adminMade, renamed)).not.toThrow()
  })
  it('lets a device be modified by itself, admins and its responsible professional only', () => {
    const dev = { id: D, name: 'meter', responsible: A, systemMetaData: {} }
    const renamed = { ...dev, name: 'scale' }
    for (const who of [device(D), admin(), hcp(A)])
      expect(() => assertCanModifyDataOwner(who, 'medicalDevice', dev, renamed)).not.toThrow()
    expectForbidden(
      () => assertCanModifyDataOwner(hcp(B), 'medicalDevice', dev, renamed),
      /only itself, its responsible professional and admins may/,
    )
    expectForbidden(() => assertCanModifyDataOwner(patient(P), 'medicalDevice', dev, renamed))
  })
  it('lets only admins change the responsible professional', () => {
    const dev = { id: D, responsible: A, systemMetaData: {} }
    for (const who of [hcp(A), device(D)])
      expectForbidden(
        () => assertCanModifyDataOwner(who, 'medicalDevice', dev, { ...dev, responsible: B }),
        /Only admins may change the responsible professional of medicalDevice device-d/,
      )
    expect(() =>
      assertCanModifyDataOwner(admin(), 'medicalDevice', dev, { ...dev, responsible: B }),
    ).not.toThrow()
    // Absent or unchanged is no change.
    const { responsible: _r, ...without } = dev
    expect(() => assertCanModifyDataOwner(hcp(A), 'medicalDevice', dev, without)).not.toThrow()
    expect(() => assertCanModifyDataOwner(hcp(A), 'medicalDevice', dev, { ...dev })).not.toThrow()
  })
  it('counts an absent key list and an empty one as the same', () => {
    const noKeys = { id: D, responsible: B, systemMetaData: {} }
    const next = { id: D, systemMetaData: { publicKeysForOaepWithSha256: [] } }
    expect(() => assertCanModifyDataOwner(hcp(B), 'medicalDevice', noKeys, next)).not.toThrow()
  })
  it('refuses patients and devices modifying another data owner', () => {
    expectForbidden(() => assertCanModifyDataOwner(patient(P), 'healthcareProfessional', stored, profile()))
    expectForbidden(() => assertCanModifyDataOwner(device(D), 'healthcareProfessional', stored, profile()))
  })
})

function expectNotFound(fn: () => unknown, message?: RegExp): void {
  const e = thrown(fn)
  expect(e.code).toBe('NOT_FOUND')
  expect(e.status).toBe(404)
  if (message) expect(e.message).toMatch(message)
}

/** A stored user as the manager rule sees it. */
const managed = (id: string, extra: Partial<ManagedUser> = {}): ManagedUser => ({
  id,
  managedBy: null,
  roles: [],
  ...extra,
})

describe('the manager rule and what a caller sees of a user', () => {
  it('makes admins managers of every user, roles or not', () => {
    expect(isManagerOf(admin(), managed('u'))).toBe(true)
    expect(isManagerOf(admin(), managed('u', { roles: ['ADMIN'] }))).toBe(true)
  })
  it('makes a professional the manager of the users it created and of the users of its devices', () => {
    expect(isManagerOf(hcp(A), managed('u', { managedBy: A }))).toBe(true)
    expect(isManagerOf(hcp(A), managed('u', { managedBy: B, deviceResponsible: A }))).toBe(true)
    expect(isManagerOf(hcp(B), managed('u', { managedBy: A }))).toBe(false)
    expect(isManagerOf(hcp(B), managed('u', { managedBy: null }))).toBe(false)
  })
  it('never makes a professional the manager of a user holding roles (an admin it created)', () => {
    expect(isManagerOf(hcp(A), managed('u', { managedBy: A, roles: ['ADMIN'] }))).toBe(false)
  })
  it('never makes a patient, a device or a plain user a manager', () => {
    for (const who of [patient(A), device(A), caller({ userId: 'plain', dataOwnerId: undefined })])
      expect(isManagerOf(who, managed('u', { managedBy: A, deviceResponsible: A }))).toBe(false)
  })
  it('shows everything to the user itself, its managers and admins; the directory to other professionals', () => {
    const u = managed('user-of-patient-p', { managedBy: A })
    expect(userVisibility(patient(P), u)).toBe('full')
    expect(userVisibility(hcp(A), u)).toBe('full')
    expect(userVisibility(admin(), u)).toBe('full')
    expect(userVisibility(hcp(B), u)).toBe('directory')
  })
  it('shows nothing to patients, devices and plain users looking at another user: 404 as for an unknown id', () => {
    for (const who of [patient('other'), device(D), caller({ userId: 'plain' })]) {
      expect(userVisibility(who, managed('u', { managedBy: A }))).toBe('none')
      expectNotFound(() => assertCanSeeUser(who, managed('u')), /^User u does not exist$/)
    }
    expect(userNotFound('x').message).toBe('User x does not exist')
  })
})

describe('managing users, their tokens, and deleting them', () => {
  const u = managed('user-u', { managedBy: A })
  it('lets managers and admins manage; another professional gets 403, others the 404 of an unknown id', () => {
    expect(() => assertCanManageUser(hcp(A), u, 'disable')).not.toThrow()
    expect(() => assertCanManageUser(admin(), u, 'disable')).not.toThrow()
    expectForbidden(
      () => assertCanManageUser(hcp(B), u, 'disable'),
      /may not disable user user-u: only its managers and admins may/,
    )
    expectNotFound(() => assertCanManageUser(patient(P), u, 'disable'), /User user-u does not exist/)
  })
  it('lets the user itself, its managers and admins manage its tokens', () => {
    const self = caller({ userId: 'user-u', dataOwnerId: P, type: 'Patient' })
    for (const who of [self, hcp(A), admin()]) expect(() => assertCanManageTokens(who, u)).not.toThrow()
    expectForbidden(() => assertCanManageTokens(hcp(B), u), /may not manage the tokens of user user-u/)
    expectNotFound(() => assertCanManageTokens(device(D), u))
  })
  it('lets managers and admins delete a user, never the user itself (not even an admin)', () => {
    expect(() => assertCanDeleteUser(hcp(A), u)).not.toThrow()
    expect(() => assertCanDeleteUser(admin(), u)).not.toThrow()
    expectForbidden(() => assertCanDeleteUser(hcp(B), u), /may not delete user user-u/)
    expectForbidden(
      () => assertCanDeleteUser(admin(), managed('admin-user', { roles: ['ADMIN'] })),
      /cannot delete itself/,
    )
  })
})

describe('assertCanCreateUser', () => {
  const user = (extra: Partial<UserWriteDto> = {}): UserWriteDto => ({
    id: '00000000-0000-4000-8000-000000000001',
    login: 'new-user',
    ...extra,
  })

  it('lets an admin create any user, with roles and without a data owner', () => {
    expect(() => assertCanCreateUser(admin(), user({ roles: ['ADMIN'] }))).not.toThrow()
    expect(() => assertCanCreateUser(admin(), user({ healthcarePartyId: B }))).not.toThrow()
  })
  it('lets a professional create users, linked to a data owner or not (it manages them)', () => {
    expect(() => assertCanCreateUser(hcp(A), user())).not.toThrow()
    expect(() => assertCanCreateUser(hcp(A), user({ patientId: P }))).not.toThrow()
  })
  it('refuses a user linked to more than one data owner, even for an admin (400)', () => {
    expectBadRequest(
      () => assertCanCreateUser(admin(), user({ healthcarePartyId: B, patientId: P })),
      /at most one data owner/,
    )
    expectBadRequest(() => assertCanCreateUser(hcp(A), user({ patientId: P, deviceId: D })), /at most one/)
  })
  it('lets only admins set roles', () => {
    expectForbidden(
      () => assertCanCreateUser(hcp(A), user({ roles: ['ADMIN'] })),
      /Only admins may set roles/,
    )
    expect(() => assertCanCreateUser(hcp(A), user({ roles: [] }))).not.toThrow()
  })
  it('refuses patients, devices and plain users', () => {
    for (const who of [patient(P), device(D), caller({ userId: 'plain' })]) {
      for (const dto of [user({ patientId: P }), user()])
        expectForbidden(() => assertCanCreateUser(who, dto), /Only admins and healthcare professionals/)
    }
  })
})

describe('assertCanLinkDataOwner', () => {
  const target = (extra: Partial<DataOwnerLinkTarget> = {}): DataOwnerLinkTarget => ({
    field: 'deviceId',
    id: D,
    exists: true,
    visible: true,
    responsible: A,
    ...extra,
  })

  it('lets the professional that created the record, or that is responsible for the device, link a user', () => {
    expect(() => assertCanLinkDataOwner(hcp(A), target())).not.toThrow()
    expect(() => assertCanLinkDataOwner(hcp(A), target({ field: 'healthcarePartyId', id: B }))).not.toThrow()
    expect(() => assertCanLinkDataOwner(hcp(A), target({ field: 'patientId', id: P }))).not.toThrow()
  })
  it('lets admins link any existing data owner', () => {
    expect(() => assertCanLinkDataOwner(admin(), target({ responsible: undefined }))).not.toThrow()
    // Admins are no data owner: they cannot read patients, yet may link them.
    expect(() =>
      assertCanLinkDataOwner(admin(), target({ field: 'patientId', id: P, visible: false })),
    ).not.toThrow()
  })
  it('refuses any other professional (no claiming of a device or professional without a user)', () => {
    expectForbidden(
      () => assertCanLinkDataOwner(hcp(B), target()),
      /hcp-b may not link a user to medical device device-d: only its responsible professional or an admin may/,
    )
    expectForbidden(
      () => assertCanLinkDataOwner(hcp(B), target({ field: 'healthcarePartyId', id: C })),
      /only the professional that created its record or an admin may/,
    )
    // A patient shared with hcp-b (visible) is still not hcp-b's to link.
    expectForbidden(() => assertCanLinkDataOwner(hcp(B), target({ field: 'patientId', id: P })))
    expectForbidden(() => assertCanLinkDataOwner(patient(A), target({ responsible: A })))
  })
  it('answers a record that does not exist, or a patient the caller cannot read, with the same 400', () => {
    expectBadRequest(
      () => assertCanLinkDataOwner(admin(), target({ exists: false })),
      /^Data owner device-d does not exist$/,
    )
    expectBadRequest(
      () => assertCanLinkDataOwner(hcp(B), target({ field: 'patientId', id: P, visible: false })),
      /^Data owner patient-p does not exist$/,
    )
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
  const facts = managed('user-p', { managedBy: A })
  const me = caller({ userId: 'user-p', dataOwnerId: P, type: 'Patient' })
  const next = (extra: Record<string, unknown> = {}): UserWriteDto => {
    const out = { ...clone(stored), ...extra } as Record<string, unknown>
    for (const [k, v] of Object.entries(extra)) if (v === undefined) delete out[k]
    return out as UserWriteDto
  }
  const modify = (who: Caller, dto: UserWriteDto, sharingChanged = false, s: typeof stored = stored) =>
    assertCanModifyUser(who, facts, s, dto, sharingChanged)

  it('lets a user change its own profile, password and sharing', () => {
    expect(modify(me, next({ name: 'Patricia', password: 'new' }), true)).toBeUndefined()
  })
  it('refuses a user changing which data owner it acts as', () => {
    for (const change of [
      { patientId: 'other-patient' },
      { patientId: undefined },
      { healthcarePartyId: A },
      { patientId: undefined, healthcarePartyId: A },
      { deviceId: D },
    ]) {
      expectForbidden(() => modify(me, next(change)), /cannot change its own/)
    }
  })
  it('refuses a user changing its own status', () => {
    expectForbidden(() => modify(me, next({ status: 'DISABLED' })), /own status/)
    const { status: _status, ...noStatus } = stored
    expectForbidden(
      () => assertCanModifyUser(me, facts, noStatus, next({ status: 'DISABLED' }), false),
      /own status/,
    )
  })
  it('counts an absent status as unchanged (the stored status is kept)', () => {
    expect(() => modify(me, next({ status: undefined }))).not.toThrow()
    expect(() => modify(me, next({ status: 'ACTIVE' }))).not.toThrow()
  })
  it('refuses a user changing its own roles, but accepts the same roles in any order or none given', () => {
    expectForbidden(() => modify(me, next({ roles: ['READER', 'WRITER', 'ADMIN'] })), /own roles/)
    expectForbidden(() => modify(me, next({ roles: [] })), /own roles/)
    expect(() => modify(me, next({ roles: ['WRITER', 'READER'] }))).not.toThrow()
    expect(() => modify(me, next({ roles: undefined }))).not.toThrow()
  })
  it('refuses a professional that does not manage the user (403), and hides the user from others (404)', () => {
    expectForbidden(() => modify(hcp(B), next({ name: 'x' })), /may not modify user user-p/)
    expectNotFound(() => modify(patient('other'), next({ name: 'x' })), /User user-p does not exist/)
    // Being shared the user's patient record makes no professional its manager.
    expectForbidden(() => modify(hcp(C), next({ name: 'x' })))
  })
  it("lets the user's manager change its profile, password and status, not its roles or sharing", () => {
    expect(modify(hcp(A), next({ name: 'x', password: 'reset', status: 'DISABLED' }))).toBeUndefined()
    expect(modify(hcp(A), next({ status: 'ACTIVE' }))).toBeUndefined()
    expectForbidden(() => modify(hcp(A), next({ roles: ['ADMIN'] })), /Only admins may change roles/)
    expectForbidden(
      () => modify(hcp(A), next({ name: 'x' }), true),
      /Only user user-p itself or an admin may change its automatic sharing/,
    )
  })
  it('lets an admin change roles, status and sharing', () => {
    expect(() => modify(admin(), next({ status: 'DISABLED', roles: ['ADMIN'] }), true)).not.toThrow()
  })
  it('never changes or removes the data owner of a linked user, not even for an admin', () => {
    for (const who of [admin(), hcp(A)]) {
      for (const change of [
        { patientId: 'p2' },
        { patientId: undefined },
        { patientId: undefined, deviceId: D },
      ])
        expectForbidden(
          () => modify(who, next(change)),
          /User user-p acts as data owner patient-p: the data owner of a user never changes/,
        )
    }
  })
  it('returns the link a modification adds to a user without one, for the link rule to decide', () => {
    const { patientId: _p, ...unlinked } = stored
    const add = (who: Caller) =>
      assertCanModifyUser(who, facts, unlinked, { ...unlinked, deviceId: D } as UserWriteDto, false)
    expect(add(hcp(A))).toEqual({ field: 'deviceId', id: D })
    expect(add(admin())).toEqual({ field: 'deviceId', id: D })
    expectBadRequest(
      () =>
        assertCanModifyUser(
          hcp(A),
          facts,
          unlinked,
          { ...unlinked, deviceId: D, healthcarePartyId: B } as UserWriteDto,
          false,
        ),
      /at most one data owner/,
    )
    // The user itself cannot link itself.
    const self = caller({ userId: 'user-p' })
    expectForbidden(
      () => assertCanModifyUser(self, facts, unlinked, { ...unlinked, deviceId: D } as UserWriteDto, false),
      /A user cannot change its own deviceId/,
    )
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
