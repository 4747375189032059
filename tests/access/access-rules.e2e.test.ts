import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { randomBytes } from 'node:crypto'
import { DataSample, HealthcareElement, Patient } from '@cairn/sdk'
import { startServer, disposeServer, type ServerProcess } from '../support/server-process.ts'
import { newHcp, newPatient, type Actor } from '../support/actors.ts'
import type {
  DataOwnerDocDto,
  DataOwnerWithTypeDto,
  EncryptedEntityDto,
  EncryptionMetaDto,
  ExchangeKeyDto,
  PaginatedListDto,
  UserDto,
} from '@cairn/protocol'
import { client, emptyMeta, expectError, signJwt, uuid, type Client } from './http.ts'

/**
 * The server-side checks of docs/protocol.md (checks on every write) and of the security model,
 * against one real server process: each test sends the request a misbehaving client would send
 * (raw HTTP with the actors' own bearer tokens) and checks the refusal and that nothing changed.
 */

const JWT_SECRET = randomBytes(32).toString('hex')
const R = '/rest/v1'
const clone = <T>(x: T): T => structuredClone(x)

/** The maps of an entity's `systemMetaData` that hold wrapped keys, by delegate. */
type EntryMap = 'delegations' | 'encryptionKeys'
const ENTRY_MAPS: EntryMap[] = ['delegations', 'encryptionKeys']

/** Adds an entry `owner -> to` with a fake wrapped key to `map` of `doc.systemMetaData`. */
function addEntry<D extends { systemMetaData: EncryptionMetaDto }>(
  doc: D,
  map: EntryMap,
  owner: string,
  to: string,
  key = `fake-${owner}-${to}`,
): D {
  const meta = doc.systemMetaData
  meta[map] ??= {}
  ;(meta[map][to] ??= []).push({ owner, delegatedTo: to, key })
  return doc
}

describe('server access rules (one real server)', () => {
  let server: ServerProcess
  let http: Client
  let hcpA: Actor
  let hcpB: Actor
  let pat: Actor
  const tok = { admin: '', a: '', b: '', p: '' }
  /** Entities of hcpA shared with nobody else. */
  let privatePatientId: string
  let privateSampleId: string
  let privateElementId: string
  /** A patient record that hcpA shared with hcpB. */
  let sharedPatientId: string

  /** The stored document as its creator (hcpA) reads it. */
  const readAsA = async (path: string, id: string): Promise<EncryptedEntityDto> => {
    const a = await http.get<EncryptedEntityDto>(`${R}/${path}/${id}`, tok.a)
    expect(a.status, a.text).toBe(200)
    return a.body
  }

  beforeAll(async () => {
    server = await startServer({ env: { CAIRN_JWT_SECRET: JWT_SECRET } })
    http = client(server.url)
    hcpA = await newHcp(server, 'alice')
    hcpB = await newHcp(server, 'bob')
    pat = await newPatient(server, hcpA, 'Paula')
    tok.admin = (await http.login(server.adminLogin, server.adminPassword)).token
    tok.a = (await http.login(hcpA.login, hcpA.password)).token
    tok.b = (await http.login(hcpB.login, hcpB.password)).token
    tok.p = (await http.login(pat.login, pat.password)).token

    const record = await hcpA.api.patientApi.createOrModifyPatient(
      new Patient({ firstName: 'Private', lastName: 'Record', note: 'only for alice' }),
    )
    privatePatientId = record.id!
    const sample = await hcpA.api.dataSampleApi.createOrModifyDataSampleFor(
      privatePatientId,
      new DataSample({ content: { en: { stringValue: 'private value' } }, comment: 'private' }),
    )
    privateSampleId = sample.id!
    const element = await hcpA.api.healthcareElementApi.createOrModifyHealthcareElement(
      new HealthcareElement({ description: 'private condition' }),
      privatePatientId,
    )
    privateElementId = element.id!
    const shared = await hcpA.api.patientApi.createOrModifyPatient(
      new Patient({ firstName: 'Shared', lastName: 'Record', note: 'for alice and bob' }),
    )
    sharedPatientId = shared.id!
    await hcpA.api.patientApi.giveAccessTo(shared, hcpB.dataOwnerId)
  })

  afterAll(async () => {
    await disposeServer(server)
  })

  const privateEntities = () => [
    { path: 'patient', type: 'patient', id: privatePatientId },
    { path: 'datasample', type: 'dataSample', id: privateSampleId },
    { path: 'helement', type: 'healthcareElement', id: privateElementId },
  ]

  describe('reading an entity not shared with the caller', () => {
    // The answer of an unknown id: whether the entity exists is not the caller's to know (no oracle).
    it('answers 404 NOT_FOUND with a JSON error to another professional and to a patient', async () => {
      for (const { path, type, id } of privateEntities()) {
        expect((await http.get(`${R}/${path}/${id}`, tok.a)).status).toBe(200)
        expectError(await http.get(`${R}/${path}/${id}`, tok.b), 404, 'NOT_FOUND', `${type} ${id} not found`)
        expectError(await http.get(`${R}/${path}/${id}`, tok.p), 404, 'NOT_FOUND', `${type} ${id} not found`)
      }
    })

    it('makes the SDK getters reject with the 404', async () => {
      const hidden = { status: 404, code: 'NOT_FOUND' }
      await expect(hcpB.api.patientApi.getPatient(privatePatientId)).rejects.toMatchObject(hidden)
      await expect(hcpB.api.dataSampleApi.getDataSample(privateSampleId)).rejects.toMatchObject(hidden)
      await expect(
        hcpB.api.healthcareElementApi.getHealthcareElement(privateElementId),
      ).rejects.toMatchObject(hidden)
      // The creator reads and decrypts the same entities.
      expect((await hcpA.api.patientApi.getPatient(privatePatientId)).note).toBe('only for alice')
      expect((await hcpA.api.healthcareElementApi.getHealthcareElement(privateElementId)).description).toBe(
        'private condition',
      )
    })

    it('lets a patient read its own record without a delegation, and the professional that shares it', async () => {
      expect((await http.get(`${R}/patient/${pat.dataOwnerId}`, tok.p)).status).toBe(200)
      expect((await http.get(`${R}/patient/${sharedPatientId}`, tok.b)).status).toBe(200)
    })
  })

  describe('modifying or sharing an entity not shared with the caller', () => {
    it('refuses sharing it with oneself (adding own entries) with the 404 of an unknown id, and changes nothing', async () => {
      for (const { path, type, id } of privateEntities()) {
        const before = await readAsA(path, id)
        const forged = clone(before)
        for (const map of ENTRY_MAPS) addEntry(forged, map, hcpB.dataOwnerId, hcpB.dataOwnerId)
        expectError(
          await http.put(`${R}/${path}`, forged, tok.b),
          404,
          'NOT_FOUND',
          `${type} ${id} not found`,
        )
        expectError(await http.put(`${R}/${path}/batch`, [forged], tok.b), 404, 'NOT_FOUND', /not found/)
        expect(await readAsA(path, id)).toEqual(before)
      }
    })

    it('refuses a change of clear fields with 404, and changes nothing', async () => {
      const before = await readAsA('patient', privatePatientId)
      const changed = { ...clone(before), lastName: 'Changed by bob' }
      expectError(await http.put(`${R}/patient`, changed, tok.b), 404, 'NOT_FOUND')
      expectError(await http.put(`${R}/patient`, changed, tok.p), 404, 'NOT_FOUND')
      const after = await readAsA('patient', privatePatientId)
      expect(after.rev).toBe(before.rev)
      expect(after.lastName).toBe('Record')
    })

    it('refuses an SDK giveAccessTo by a professional without access', async () => {
      // bob got hold of the document (e.g. from a stale cache) but holds none of its keys: his SDK
      // refuses before sending anything (the server refuses such a write too: "refuses sharing it with
      // oneself" above).
      const asA = await hcpA.api.patientApi.getPatient(privatePatientId)
      await expect(hcpB.api.patientApi.giveAccessTo(asA, hcpB.dataOwnerId)).rejects.toThrow(
        `Data owner ${hcpB.dataOwnerId} cannot share patient ${privatePatientId}: it holds none of its keys`,
      )
      expect((await readAsA('patient', privatePatientId)).rev).toBe(asA.rev)
    })
  })

  describe("another data owner's delegation entries", () => {
    it('cannot be removed by a delegate (403, nothing changed)', async () => {
      const before = await readAsA('patient', sharedPatientId)
      const a = hcpA.dataOwnerId
      const b = hcpB.dataOwnerId
      expect(Object.keys(before.systemMetaData.delegations).sort()).toEqual([a, b].sort())

      const noSelf = clone(before)
      delete noSelf.systemMetaData.delegations[a]
      delete noSelf.systemMetaData.encryptionKeys[a]
      expectError(
        await http.put(`${R}/patient`, noSelf, tok.b),
        403,
        'FORBIDDEN',
        `Cannot remove or alter the delegation of data owner ${a} to ${a}`,
      )
      const noKeyForB = clone(before)
      noKeyForB.systemMetaData.encryptionKeys[b] = []
      expectError(
        await http.put(`${R}/patient`, noKeyForB, tok.b),
        403,
        'FORBIDDEN',
        `Cannot remove or alter the delegation of data owner ${a} to ${b}`,
      )
      expect(await readAsA('patient', sharedPatientId)).toEqual(before)
    })

    it('cannot be altered by a delegate (key changed: 403, nothing changed)', async () => {
      const before = await readAsA('patient', sharedPatientId)
      const a = hcpA.dataOwnerId
      for (const map of ENTRY_MAPS) {
        for (const delegate of [a, hcpB.dataOwnerId]) {
          const altered = clone(before)
          const entry = altered.systemMetaData[map][delegate][0]
          expect(entry.owner).toBe(a)
          entry.key = Buffer.from(`forged ${map} ${delegate}`).toString('base64')
          expectError(await http.put(`${R}/patient`, altered, tok.b), 403, 'FORBIDDEN', /remove or alter/)
        }
      }
      expect(await readAsA('patient', sharedPatientId)).toEqual(before)
    })

    it('cannot be added on behalf of another data owner (403, nothing changed)', async () => {
      const before = await readAsA('patient', sharedPatientId)
      const forged = addEntry(clone(before), 'delegations', hcpA.dataOwnerId, pat.dataOwnerId)
      expectError(
        await http.put(`${R}/patient`, forged, tok.b),
        403,
        'FORBIDDEN',
        `Cannot add delegations on behalf of data owner ${hcpA.dataOwnerId}`,
      )
      expect(await readAsA('patient', sharedPatientId)).toEqual(before)
    })

    it('stay while the delegate writes an unchanged document or shares further with its own entries', async () => {
      const before = await readAsA('patient', sharedPatientId)
      const same = await http.put<EncryptedEntityDto>(`${R}/patient`, before, tok.b)
      expect(same.status, same.text).toBe(200)
      expect(same.body.rev).toBe(before.rev)
      const asB = await hcpB.api.patientApi.getPatient(sharedPatientId)
      const sharedOn = await hcpB.api.patientApi.giveAccessTo(asB, pat.dataOwnerId)
      expect(sharedOn.rev).not.toBe(before.rev)
      const after = await readAsA('patient', sharedPatientId)
      for (const e of Object.values(before.systemMetaData.delegations).flat())
        expect(Object.values(after.systemMetaData.delegations).flat()).toContainEqual(e)
      expect(after.systemMetaData.delegations[pat.dataOwnerId]).toEqual([
        expect.objectContaining({ owner: hcpB.dataOwnerId, delegatedTo: pat.dataOwnerId }),
      ])
      expect((await pat.api.patientApi.getPatient(sharedPatientId)).note).toBe('for alice and bob')
    })
  })

  describe('creating an encrypted entity', () => {
    const newDoc = (): EncryptedEntityDto => ({
      id: uuid(),
      firstName: 'New',
      systemMetaData: emptyMeta(),
    })

    it('refuses an entity without a delegation to the caller (403, nothing stored)', async () => {
      const doc = newDoc()
      expectError(
        await http.post(`${R}/patient`, doc, tok.a),
        403,
        'FORBIDDEN',
        `A new patient must include a delegation from data owner ${hcpA.dataOwnerId} to itself`,
      )
      expectError(await http.get(`${R}/patient/${doc.id}`, tok.a), 404, 'NOT_FOUND')

      const onlyToOther = addEntry(newDoc(), 'delegations', hcpA.dataOwnerId, hcpB.dataOwnerId)
      expectError(await http.post(`${R}/datasample`, onlyToOther, tok.a), 403, 'FORBIDDEN', /to itself/)
    })

    it('refuses a self-delegation or extra entries written on behalf of another data owner', async () => {
      const a = hcpA.dataOwnerId
      const b = hcpB.dataOwnerId
      const fromB = addEntry(newDoc(), 'delegations', b, a)
      expectError(await http.post(`${R}/helement`, fromB, tok.a), 403, 'FORBIDDEN', /to itself/)
      const extra = addEntry(addEntry(newDoc(), 'delegations', a, a), 'encryptionKeys', b, b)
      expectError(
        await http.post(`${R}/patient`, extra, tok.a),
        403,
        'FORBIDDEN',
        `Cannot create delegations on behalf of data owner ${b}`,
      )
      expectError(await http.get(`${R}/patient/${extra.id}`, tok.a), 404, 'NOT_FOUND')
    })

    it('refuses the whole batch when one entity breaks the rule (nothing stored)', async () => {
      const good = addEntry(newDoc(), 'delegations', hcpA.dataOwnerId, hcpA.dataOwnerId)
      const bad = newDoc()
      expectError(await http.post(`${R}/patient/batch`, [good, bad], tok.a), 403, 'FORBIDDEN')
      expectError(await http.get(`${R}/patient/${good.id}`, tok.a), 404, 'NOT_FOUND')
    })

    it('accepts an entity with a delegation from the caller to itself', async () => {
      const good = addEntry(newDoc(), 'delegations', hcpA.dataOwnerId, hcpA.dataOwnerId)
      const created = await http.post<EncryptedEntityDto>(`${R}/patient`, good, tok.a)
      expect(created.status, created.text).toBe(200)
      expect(created.body.rev).toMatch(/^1-/)
      expect(created.body.responsible).toBe(hcpA.dataOwnerId)
    })

    it('refuses a professional publishing public keys on a patient record', async () => {
      const doc = addEntry(newDoc(), 'delegations', hcpA.dataOwnerId, hcpA.dataOwnerId)
      doc.systemMetaData.publicKeysForOaepWithSha256 = ['30820122300d06092a864886f70d01010105000382010f00']
      expectError(await http.post(`${R}/patient`, doc, tok.a), 403, 'FORBIDDEN', /public keys/)
    })

    it("refuses a professional replacing the public keys of a patient's record it has access to", async () => {
      const before = await readAsA('patient', pat.dataOwnerId)
      expect(before.systemMetaData.publicKeysForOaepWithSha256?.length).toBeGreaterThan(0)
      const replaced = clone(before)
      replaced.systemMetaData.publicKeysForOaepWithSha256 = ['abcd']
      replaced.systemMetaData.publicKey = 'abcd'
      expectError(await http.put(`${R}/patient`, replaced, tok.a), 403, 'FORBIDDEN', /public keys/)
      expect(await readAsA('patient', pat.dataOwnerId)).toEqual(before)
    })
  })

  describe('a patient user cannot act as another data owner', () => {
    const currentUser = async (token: string): Promise<UserDto> => {
      const a = await http.get<UserDto>(`${R}/user/current`, token)
      expect(a.status, a.text).toBe(200)
      return a.body
    }

    it('cannot change which data owner its user acts as, its roles or its status (403, unchanged)', async () => {
      const before = await currentUser(tok.p)
      expect(before.patientId).toBe(pat.dataOwnerId)
      const attempts: [UserDto, string][] = [
        [{ ...before, patientId: privatePatientId }, 'patientId'],
        [{ ...before, healthcarePartyId: hcpA.dataOwnerId }, 'healthcarePartyId'],
        [{ ...before, patientId: undefined, healthcarePartyId: hcpA.dataOwnerId }, 'healthcarePartyId'],
        [{ ...before, deviceId: uuid() }, 'deviceId'],
        [{ ...before, roles: ['ADMIN'] }, 'roles'],
        [{ ...before, status: 'DISABLED' }, 'status'],
      ]
      for (const [body, field] of attempts) {
        expectError(
          await http.put(`${R}/user`, body, tok.p),
          403,
          'FORBIDDEN',
          `A user cannot change its own ${field}`,
        )
      }
      expect(await currentUser(tok.p)).toEqual(before)
      // Its token still acts as the patient (which may not see the other record: 404).
      expectError(await http.get(`${R}/patient/${privatePatientId}`, tok.p), 404, 'NOT_FOUND')
    })

    it('cannot modify another user, which it cannot even see (404 as for an unknown id)', async () => {
      const aUser = await currentUser(tok.a)
      expectError(
        await http.put(`${R}/user`, { ...aUser, name: 'taken over' }, tok.p),
        404,
        'NOT_FOUND',
        `User ${aUser.id} does not exist`,
      )
      expect(await currentUser(tok.a)).toEqual(aUser)
    })

    it('can still modify its own profile, with or without repeating its status', async () => {
      const before = await currentUser(tok.p)
      const renamed = await http.put<UserDto>(`${R}/user`, { ...before, name: 'Paula P.' }, tok.p)
      expect(renamed.status, renamed.text).toBe(200)
      expect(renamed.body).toMatchObject({ name: 'Paula P.', patientId: pat.dataOwnerId, status: 'ACTIVE' })
      // An undefined status is left out of the JSON body.
      const withoutStatus = { ...renamed.body, status: undefined }
      const again = await http.put(`${R}/user`, { ...withoutStatus, name: 'Paula' }, tok.p)
      expect(again.status, again.text).toBe(200)
      expect(again.body).toMatchObject({ name: 'Paula', patientId: pat.dataOwnerId, status: 'ACTIVE' })
    })

    it('cannot query a filter as another data owner', async () => {
      for (const [path, $type] of [
        ['datasample', 'DataSampleByHealthcarePartyPatientFilter'],
        ['helement', 'HealthcareElementByHealthcarePartyPatientFilter'],
      ]) {
        const filter = { $type, healthcarePartyId: hcpA.dataOwnerId, patientSecretForeignKeys: ['x'] }
        expectError(
          await http.post(`${R}/${path}/filter`, { filter }, tok.p),
          403,
          'FORBIDDEN',
          `Data owner ${pat.dataOwnerId} cannot query the data of data owner ${hcpA.dataOwnerId}`,
        )
        expectError(await http.post(`${R}/${path}/filter`, { filter }, tok.b), 403, 'FORBIDDEN')
        const own = await http.post<PaginatedListDto<EncryptedEntityDto>>(
          `${R}/${path}/filter`,
          { filter: { ...filter, healthcarePartyId: pat.dataOwnerId } },
          tok.p,
        )
        expect(own.status, own.text).toBe(200)
        expect(own.body.rows).toEqual([])
      }
    })

    it('cannot create exchange keys as another delegator', async () => {
      const forged = {
        id: uuid(),
        delegator: hcpA.dataOwnerId,
        delegate: pat.dataOwnerId,
        encryptedKey: { ['0'.repeat(32)]: Buffer.from('not a key').toString('base64') },
        signature: Buffer.from('not a signature').toString('base64'),
        signerFingerprint: '0'.repeat(32),
      }
      expectError(
        await http.post(`${R}/exchangekey`, forged, tok.p),
        403,
        'FORBIDDEN',
        `Data owner ${pat.dataOwnerId} cannot create exchange keys for delegator ${hcpA.dataOwnerId}`,
      )
      const pair = await http.get<ExchangeKeyDto[]>(
        `${R}/exchangekey/${hcpA.dataOwnerId}/${pat.dataOwnerId}`,
        tok.a,
      )
      expect(pair.status, pair.text).toBe(200)
      expect(pair.body.map((k) => k.id)).not.toContain(forged.id)
      // As its own delegator (to a data owner nobody uses) the same record is accepted.
      const own = { ...forged, id: uuid(), delegator: pat.dataOwnerId, delegate: uuid() }
      const created = await http.post(`${R}/exchangekey`, own, tok.p)
      expect(created.status, created.text).toBe(200)
    })

    it('cannot read the exchange keys of a pair it is not part of', async () => {
      const path = `${R}/exchangekey/${hcpA.dataOwnerId}/${hcpB.dataOwnerId}`
      expectError(
        await http.get(path, tok.p),
        403,
        'FORBIDDEN',
        `Data owner ${pat.dataOwnerId} cannot read exchange keys of ${hcpA.dataOwnerId} -> ${hcpB.dataOwnerId}`,
      )
      for (const token of [tok.a, tok.b]) {
        const mine = await http.get<ExchangeKeyDto[]>(path, token)
        expect(mine.status, mine.text).toBe(200)
        expect(mine.body.length).toBeGreaterThan(0)
      }
    })
  })

  describe('healthcare professionals and user creation', () => {
    it("refuses a professional changing another professional's public keys (403, unchanged)", async () => {
      const read = await http.get<DataOwnerDocDto>(`${R}/hcparty/${hcpA.dataOwnerId}`, tok.b)
      expect(read.status).toBe(200)
      const before = read.body
      const meta = before.systemMetaData ?? {}
      expect(meta.publicKeysForOaepWithSha256).toHaveLength(1)
      const variants: Record<string, unknown>[] = [
        {
          ...meta,
          publicKeysForOaepWithSha256: [...(meta.publicKeysForOaepWithSha256 ?? []), 'abcd'],
        },
        { ...meta, publicKey: 'abcd' },
        { ...meta, publicKey: 'abcd', publicKeysForOaepWithSha256: ['abcd'] },
        {},
      ]
      // bob did not create alice's record: he may not modify it at all (docs/access.md), keys or not.
      for (const systemMetaData of variants) {
        expectError(
          await http.put(`${R}/hcparty`, { ...before, systemMetaData }, tok.b),
          403,
          'FORBIDDEN',
          `Data owner ${hcpB.dataOwnerId} may not modify healthcareProfessional ${hcpA.dataOwnerId}`,
        )
      }
      // Nor may the admin (who created it) change its keys: only alice herself.
      expectError(
        await http.put(`${R}/hcparty`, { ...before, systemMetaData: variants[0] }, tok.admin),
        403,
        'FORBIDDEN',
        `Only healthcareProfessional ${hcpA.dataOwnerId} itself may change its public keys`,
      )
      expectError(await http.put(`${R}/hcparty`, { ...before, firstName: 'x' }, tok.p), 403, 'FORBIDDEN')
      expect((await http.get(`${R}/hcparty/${hcpA.dataOwnerId}`, tok.a)).body).toEqual(before)
      // alice can still be shared with, with her real key.
      const shared = await hcpB.api.patientApi.createOrModifyPatient(
        new Patient({ firstName: 'For', lastName: 'Alice', note: 'n' }),
      )
      await hcpB.api.patientApi.giveAccessTo(shared, hcpA.dataOwnerId)
      expect((await hcpA.api.patientApi.getPatient(shared.id!)).note).toBe('n')
    })

    it('refuses a professional creating a user for a data owner that already has one', async () => {
      const user = (link: Record<string, string>) => ({
        id: uuid(),
        login: `${uuid()}@example.org`,
        password: 'pw-123456',
        ...link,
      })
      // bob's record was not made by alice: she may not link a user to it at all.
      expectError(
        await http.post(`${R}/user`, user({ healthcarePartyId: hcpB.dataOwnerId }), tok.a),
        403,
        'FORBIDDEN',
        `Data owner ${hcpA.dataOwnerId} may not link a user to healthcare professional ${hcpB.dataOwnerId}`,
      )
      // Her own patient already has a user: one user per data owner (409, the unique index's answer).
      expectError(
        await http.post(`${R}/user`, user({ patientId: pat.dataOwnerId }), tok.a),
        409,
        'CONFLICT',
        `Data owner ${pat.dataOwnerId} already has a user`,
      )
      // A professional with no user yet gets exactly one.
      const hcp = await http.post<DataOwnerDocDto>(
        `${R}/hcparty`,
        { id: uuid(), firstName: 'No', lastName: 'User' },
        tok.a,
      )
      expect(hcp.status, hcp.text).toBe(200)
      const first = user({ healthcarePartyId: hcp.body.id })
      const created = await http.post<UserDto>(`${R}/user`, first, tok.a)
      expect(created.status, created.text).toBe(200)
      expect(created.body).toMatchObject({ id: first.id, healthcarePartyId: hcp.body.id })
      expect(created.body).not.toHaveProperty('passwordHash')
      expectError(
        await http.post(`${R}/user`, user({ healthcarePartyId: hcp.body.id }), tok.a),
        409,
        'CONFLICT',
        /already has a user/,
      )
      expectError(
        await http.post(`${R}/user`, user({ healthcarePartyId: hcp.body.id }), tok.b),
        403,
        'FORBIDDEN',
        /may not link a user/,
      )
    })

    it('refuses a professional creating a user for a patient it has no access to, or with roles', async () => {
      // A patient bob cannot read is, to him, a patient that does not exist.
      expectError(
        await http.post(
          `${R}/user`,
          { id: uuid(), login: `${uuid()}@example.org`, password: 'pw', patientId: privatePatientId },
          tok.b,
        ),
        400,
        'BAD_REQUEST',
        `Data owner ${privatePatientId} does not exist`,
      )
      const hcp = await http.post<DataOwnerDocDto>(
        `${R}/hcparty`,
        { id: uuid(), firstName: 'Would', lastName: 'BeAdmin' },
        tok.a,
      )
      expect(hcp.status).toBe(200)
      expectError(
        await http.post(
          `${R}/user`,
          {
            id: uuid(),
            login: `${uuid()}@example.org`,
            password: 'pw',
            healthcarePartyId: hcp.body.id,
            roles: ['ADMIN'],
          },
          tok.a,
        ),
        403,
        'FORBIDDEN',
        'Only admins may set roles',
      )
    })

    it('refuses a patient creating users', async () => {
      const hcp = await http.post<DataOwnerDocDto>(
        `${R}/hcparty`,
        { id: uuid(), firstName: 'Free', lastName: 'Seat' },
        tok.a,
      )
      expect(hcp.status).toBe(200)
      for (const link of [{}, { healthcarePartyId: hcp.body.id }]) {
        const body = { id: uuid(), login: `${uuid()}@example.org`, password: 'pw', ...link }
        expectError(
          await http.post(`${R}/user`, body, tok.p),
          403,
          'FORBIDDEN',
          'Only admins and healthcare professionals create users',
        )
        expectError(
          await http.post(`${R}/auth/login`, { username: body.login, password: 'pw' }),
          401,
          'UNAUTHORIZED',
        )
      }
    })

    it('refuses reusing the id of a data owner of another kind (no identity takeover)', async () => {
      // bob, with no access to alice's patient, tries to become that patient: a professional with
      // the patient's id, then a user for it.
      expectError(
        await http.post(`${R}/hcparty`, { id: privatePatientId, firstName: 'Fake' }, tok.b),
        409,
        'CONFLICT',
        `${privatePatientId} already exists`,
      )
      expectError(
        await http.post(`${R}/device`, { id: privatePatientId, name: 'Fake' }, tok.b),
        409,
        'CONFLICT',
        `${privatePatientId} already exists`,
      )
      expectError(
        await http.post(
          `${R}/user`,
          { id: uuid(), login: `${uuid()}@example.org`, password: 'pw', healthcarePartyId: privatePatientId },
          tok.b,
        ),
        400,
        'BAD_REQUEST',
        `Data owner ${privatePatientId} does not exist`,
      )
      const owner = await http.get<DataOwnerWithTypeDto>(`${R}/dataowner/${privatePatientId}`, tok.a)
      expect(owner.body.type).toBe('Patient')

      // The other way round: a patient record with the id of a professional that has no user yet.
      const seat = await http.post<DataOwnerDocDto>(
        `${R}/hcparty`,
        { id: uuid(), firstName: 'Empty', lastName: 'Seat' },
        tok.a,
      )
      expect(seat.status).toBe(200)
      for (const id of [seat.body.id, hcpA.dataOwnerId]) {
        const record = addEntry(
          { id, firstName: 'Fake', systemMetaData: emptyMeta() },
          'delegations',
          hcpB.dataOwnerId,
          hcpB.dataOwnerId,
        )
        expectError(await http.post(`${R}/patient`, record, tok.b), 409, 'CONFLICT', `${id} already exists`)
        expectError(await http.get(`${R}/patient/${id}`, tok.b), 404, 'NOT_FOUND')
      }
      expect((await http.get<DataOwnerWithTypeDto>(`${R}/dataowner/${seat.body.id}`, tok.b)).body.type).toBe(
        'HealthcareProfessional',
      )
    })

    it('refuses a patient creating professionals', async () => {
      expectError(
        await http.post(`${R}/hcparty`, { id: uuid(), firstName: 'Fake', lastName: 'Doctor' }, tok.p),
        403,
        'FORBIDDEN',
        /Only an admin or a healthcare professional/,
      )
    })
  })

  describe('stale rev', () => {
    it('answers 409 CONFLICT to a write with an old rev and saves nothing', async () => {
      const created = await hcpA.api.patientApi.createOrModifyPatient(
        new Patient({ firstName: 'Stale', lastName: 'V1', note: 'v1' }),
      )
      const v1 = await readAsA('patient', created.id!)
      const v2 = await http.put<EncryptedEntityDto>(`${R}/patient`, { ...v1, lastName: 'V2' }, tok.a)
      expect(v2.status, v2.text).toBe(200)
      expect(v2.body.rev).toMatch(/^2-/)

      expectError(
        await http.put(`${R}/patient`, { ...v1, lastName: 'V3' }, tok.a),
        409,
        'CONFLICT',
        `rev ${v1.rev} is stale (current ${v2.body.rev})`,
      )
      expectError(await http.put(`${R}/patient/batch`, [{ ...v1, lastName: 'V3' }], tok.a), 409, 'CONFLICT')
      // The SDK sharing an old copy gets the conflict too.
      await expect(hcpA.api.patientApi.giveAccessTo(created, hcpB.dataOwnerId)).rejects.toMatchObject({
        status: 409,
        code: 'CONFLICT',
      })
      const after = await readAsA('patient', created.id!)
      expect(after.rev).toBe(v2.body.rev)
      expect(after.lastName).toBe('V2')
      expect(Object.keys(after.systemMetaData.delegations)).toEqual([hcpA.dataOwnerId])
    })

    it('answers 409 to a professional document and a user written with an old rev', async () => {
      const hcp = await http.post<DataOwnerDocDto>(
        `${R}/hcparty`,
        { id: uuid(), firstName: 'Rev', lastName: 'One' },
        tok.a,
      )
      const v2 = await http.put(`${R}/hcparty`, { ...hcp.body, lastName: 'Two' }, tok.a)
      expect(v2.status).toBe(200)
      expectError(await http.put(`${R}/hcparty`, { ...hcp.body, lastName: 'Three' }, tok.a), 409, 'CONFLICT')
      expect((await http.get(`${R}/hcparty/${hcp.body.id}`, tok.a)).body).toEqual(v2.body)

      const user = (await http.get<UserDto>(`${R}/user/current`, tok.b)).body
      const renamed = await http.put(`${R}/user`, { ...user, name: 'Bob 2' }, tok.b)
      expect(renamed.status).toBe(200)
      expectError(await http.put(`${R}/user`, { ...user, name: 'Bob 3' }, tok.b), 409, 'CONFLICT', /stale/)
      expect((await http.get(`${R}/user/current`, tok.b)).body).toEqual(renamed.body)
    })
  })

  describe('authentication', () => {
    it('answers 401 with a JSON error without a usable bearer token', async () => {
      const path = `${R}/user/current`
      expectError(await http.get(path), 401, 'UNAUTHORIZED', /Missing Authorization header/)
      const cases: [string, RegExp][] = [
        [`Basic ${Buffer.from('admin:x').toString('base64')}`, /Bearer <token>/],
        ['Bearer', /Bearer <token>/],
        ['Bearer not-a-jwt', /Invalid access token/],
        [`Bearer ${tok.a.slice(0, -4)}AAAA`, /Invalid access token/],
        [
          `Bearer ${signJwt('not the server secret', { kind: 'access', sub: hcpA.user.id })}`,
          /Invalid access token/,
        ],
      ]
      for (const [authorization, message] of cases) {
        expectError(
          await http.call('GET', path, { headers: { authorization } }),
          401,
          'UNAUTHORIZED',
          message,
        )
      }
      expectError(await http.get(`${R}/patient/${privatePatientId}`, 'garbage'), 401, 'UNAUTHORIZED')
      expectError(await http.put(`${R}/patient`, { id: uuid() }, 'garbage'), 401, 'UNAUTHORIZED')
    })

    it('answers 401 to an expired token, a refresh token and a token of an unknown user or session', async () => {
      const now = Math.floor(Date.now() / 1000)
      const path = `${R}/user/current`
      const { token, refreshToken } = await http.login(hcpA.login, hcpA.password)
      // The session of a real login: a token signed with the server's secret is accepted only with it.
      const sid = (JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { sid: string })
        .sid
      const expired = signJwt(JWT_SECRET, {
        kind: 'access',
        sub: hcpA.user.id,
        sid,
        iat: now - 7200,
        exp: now - 3600,
      })
      expectError(await http.get(path, expired), 401, 'UNAUTHORIZED', 'The access token has expired')
      const fresh = signJwt(JWT_SECRET, { kind: 'access', sub: hcpA.user.id, sid, iat: now, exp: now + 600 })
      expect((await http.get(path, fresh)).status).toBe(200)
      expectError(await http.get(path, refreshToken), 401, 'UNAUTHORIZED', 'Not an access token')
      const ghost = signJwt(JWT_SECRET, { kind: 'access', sub: uuid(), sid, iat: now, exp: now + 600 })
      expectError(await http.get(path, ghost), 401, 'UNAUTHORIZED', 'User no longer exists')
      const noSession = signJwt(JWT_SECRET, { kind: 'access', sub: hcpA.user.id, iat: now, exp: now + 600 })
      expectError(await http.get(path, noSession), 401, 'UNAUTHORIZED', /predates sessions/)
      const otherSession = signJwt(JWT_SECRET, {
        kind: 'access',
        sub: hcpA.user.id,
        sid: uuid(),
        iat: now,
        exp: now + 600,
      })
      expectError(await http.get(path, otherSession), 401, 'UNAUTHORIZED', /Unknown session/)
    })

    it('answers 401 "Invalid username or password" to a wrong password and an unknown login', async () => {
      for (const [username, password] of [
        [hcpA.login, `${hcpA.password}x`],
        [`nobody-${uuid()}@example.org`, 'whatever'],
      ]) {
        expectError(
          await http.post(`${R}/auth/login`, { username, password }),
          401,
          'UNAUTHORIZED',
          /^Invalid username or password$/,
        )
      }
      await http.login(hcpA.login, hcpA.password)
    })

    it('refuses a disabled user: its login is told what a wrong password is told, its tokens stop working (401)', async () => {
      const login = `disabled-${uuid()}@example.org`
      const password = 'a long enough password'
      const created = await http.post<UserDto>(`${R}/user`, { id: uuid(), login, password }, tok.admin)
      expect(created.status, created.text).toBe(200)
      const session = await http.login(login, password)
      expect((await http.get(`${R}/user/current`, session.token)).status).toBe(200)

      const user = (await http.get<UserDto>(`${R}/user/${created.body.id}`, tok.admin)).body
      const disabled = await http.put<UserDto>(`${R}/user`, { ...user, status: 'DISABLED' }, tok.admin)
      expect(disabled.status, disabled.text).toBe(200)
      expect(disabled.body.status).toBe('DISABLED')

      // No account-state oracle: the right password gets exactly the answer of a wrong one.
      const right = await http.post(`${R}/auth/login`, { username: login, password })
      expectError(right, 401, 'UNAUTHORIZED', 'Invalid username or password')
      expect(right.text).toBe(
        (await http.post(`${R}/auth/login`, { username: login, password: 'nope' })).text,
      )
      // Disabling revokes the user's sessions too (docs/access.md): either check refuses the token.
      expectError(
        await http.get(`${R}/user/current`, session.token),
        401,
        'UNAUTHORIZED',
        /This user is disabled|This session was ended/,
      )
      expectError(
        await http.post(`${R}/auth/refresh`, { refreshToken: session.refreshToken }),
        401,
        'UNAUTHORIZED',
        'This session was ended',
      )
    })

    it('answers 403 to a plain user (no data owner) touching encrypted entities', async () => {
      const login = `plain-${uuid()}@example.org`
      const created = await http.post(`${R}/user`, { id: uuid(), login, password: 'pw-plain' }, tok.admin)
      expect(created.status).toBe(200)
      const { token } = await http.login(login, 'pw-plain')
      expectError(await http.get(`${R}/patient/${privatePatientId}`, token), 403, 'FORBIDDEN')
      expectError(await http.get(`${R}/patient/${privatePatientId}`, tok.admin), 403, 'FORBIDDEN')
    })
  })
})

describe('login rate limit (a server with CAIRN_LOGIN_MAX_FAILURES=3)', () => {
  let server: ServerProcess
  let http: Client

  beforeAll(async () => {
    server = await startServer({ env: { CAIRN_LOGIN_MAX_FAILURES: '3' } })
    http = client(server.url)
  })

  afterAll(async () => {
    await disposeServer(server)
  })

  it('answers 429 RATE_LIMITED after repeated failures for one login, even to the right password', async () => {
    const { token } = await http.login(server.adminLogin, server.adminPassword)
    const login = `target-${uuid()}@example.org`
    const password = 'the right password'
    expect((await http.post(`/rest/v1/user`, { id: uuid(), login, password }, token)).status).toBe(200)
    for (let i = 0; i < 3; i++) {
      expectError(
        await http.post('/rest/v1/auth/login', { username: login, password: `wrong ${i}` }),
        401,
        'UNAUTHORIZED',
        'Invalid username or password',
      )
    }
    for (const attempt of ['wrong again', password]) {
      expectError(
        await http.post('/rest/v1/auth/login', { username: login.toUpperCase(), password: attempt }),
        429,
        'RATE_LIMITED',
        /Too many failed logins/,
      )
    }
  })
})
