import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { inspect } from 'node:util'
import {
  KeyStorageImpl,
  Patient,
  MemoryStorage,
  SimpleMedTechCryptoStrategies,
  medTechApi,
  type MedTechApi,
} from '@cairn/sdk'
import { ROUTES, type ExchangeKeyDto } from '@cairn/protocol'
import { createHcp } from '../../packages/cli/src/commands/create-hcp.ts'
import { disposeServer, startServer, type ServerProcess } from '../support/server-process.ts'

/**
 * The life of data owners' keys under protocol v2, end to end against a real server: pins and
 * safety numbers, rotation (a key added with a statement signed by a pinned key is trusted without
 * asking, and new shares get a fresh exchange key for the current keys), revocation (no client
 * encrypts to a revoked key), and the lost-key path (the new key is refused until the counterpart
 * accepts it with giveAccessBackTo, after which it reads what was shared before and after).
 */
describe('key life cycle (protocol v2)', () => {
  let server: ServerProcess
  let counter = 0

  /** A professional as a device holds it: its own storage and key storage, reused across sessions. */
  interface Device {
    login: string
    password: string
    id: string
    storage: MemoryStorage
    keyStorage: KeyStorageImpl
    keyPair: { privateKey: string; publicKey: string }
  }

  async function newDevice(name: string): Promise<Device> {
    const creds = await createHcp({
      url: server.url,
      adminLogin: server.adminLogin,
      adminPassword: server.adminPassword,
      login: `${name}-${Date.now().toString(36)}-${++counter}@example.org`,
      firstName: name,
      lastName: 'Keys',
    })
    const storage = new MemoryStorage()
    return {
      login: creds.login,
      password: creds.password,
      id: creds.healthcareProfessionalId,
      storage,
      keyStorage: new KeyStorageImpl(storage),
      keyPair: creds.keyPair,
    }
  }

  /** A session on a device: the pins and key pairs of earlier sessions are there. */
  function session(d: Device, keys = [d.keyPair]): Promise<MedTechApi> {
    return medTechApi()
      .withICureBaseUrl(server.url)
      .withUserName(d.login)
      .withPassword(d.password)
      .withStorage(d.storage)
      .withKeyStorage(d.keyStorage)
      .withCryptoStrategies(new SimpleMedTechCryptoStrategies(keys))
      .build()
  }

  /** Exchange-key records of a pair, read through the API by one of its parties. */
  async function records(api: MedTechApi, delegator: string, delegate: string): Promise<ExchangeKeyDto[]> {
    const res = await fetch(
      `${server.url}/rest/v1${ROUTES.getExchangeKeys.path}`
        .replace(':delegator', delegator)
        .replace(':delegate', delegate),
      {
        headers: { authorization: `Bearer ${await tokenOf(api)}` },
      },
    )
    expect(res.status).toBe(200)
    return (await res.json()) as ExchangeKeyDto[]
  }
  async function tokenOf(api: MedTechApi): Promise<string> {
    const res = await fetch(`${server.url}/rest/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: api.username, password: api.password }),
    })
    return ((await res.json()) as { token: string }).token
  }

  beforeAll(async () => {
    server = await startServer()
  })
  afterAll(async () => {
    await disposeServer(server)
  })

  it('both sides compute the same safety number, and list each other as trusted', async () => {
    const a = await newDevice('alice')
    const b = await newDevice('bob')
    const apiA = await session(a)
    const apiB = await session(b)
    const patient = await apiA.patientApi.createOrModifyPatient(
      new Patient({ firstName: 'S', lastName: 'N' }),
    )
    await apiA.patientApi.giveAccessTo(patient, b.id)
    const [na, nb] = await Promise.all([
      apiA.dataOwnerApi.getSafetyNumber(b.id),
      apiB.dataOwnerApi.getSafetyNumber(a.id),
    ])
    expect(na).toMatch(/^(\d{5} ){11}\d{5}$/)
    expect(na).toBe(nb)
    const fps = await apiA.dataOwnerApi.getFingerprints(b.id)
    expect(fps).toHaveLength(1)
    expect(fps[0]).toMatchObject({ status: 'trusted', publicKey: b.keyPair.publicKey })
  })

  it('rotation: a key added with a statement signed by a pinned key is trusted, and new shares use a fresh exchange key', async () => {
    const a = await newDevice('alice')
    const b = await newDevice('bob')
    const apiA = await session(a)
    const apiB = await session(b)
    const patient = await apiA.patientApi.createOrModifyPatient(
      new Patient({ firstName: 'R', lastName: 'Ot' }),
    )
    await apiA.patientApi.giveAccessTo(patient, b.id) // A pins B's first key
    const before = await records(apiA, a.id, b.id)
    expect(before).toHaveLength(1)

    const rotated = await apiB.dataOwnerApi.rotateKeyPair()
    const apiA2 = await session(a) // a later session of A: same pins
    expect((await apiA2.patientApi.getPatient(patient.id!)).lastName).toBe('Ot')
    const fps = await apiA2.dataOwnerApi.getFingerprints(b.id)
    expect(fps.map((f) => f.status)).toEqual(['trusted', 'trusted'])
    const other = await apiA2.patientApi.createOrModifyPatient(
      new Patient({ firstName: 'R', lastName: 'Two' }),
    )
    await apiA2.patientApi.giveAccessTo(other, b.id)
    const after = await records(apiA2, a.id, b.id)
    expect(after).toHaveLength(2)
    const newest = after.find((r) => !before.some((x) => x.id === r.id))!
    expect(newest.recipients).toContain(rotated.fingerprint)
    // B, in a session holding only the new key, reads the new share.
    const bNew = await session(b, [])
    expect((await bNew.patientApi.getPatient(other.id!)).lastName).toBe('Two')
  })

  it('revocation: after B revokes a key, no client encrypts to it', async () => {
    const a = await newDevice('alice')
    const b = await newDevice('bob')
    const apiA = await session(a)
    const apiB = await session(b)
    const first = await apiA.patientApi.createOrModifyPatient(
      new Patient({ firstName: 'V', lastName: 'One' }),
    )
    await apiA.patientApi.giveAccessTo(first, b.id)
    const oldFp = (await apiA.dataOwnerApi.getFingerprints(b.id))[0].fingerprint
    await apiB.dataOwnerApi.rotateKeyPair()
    await apiB.dataOwnerApi.revokeKey(oldFp)

    const apiA2 = await session(a)
    const fps = await apiA2.dataOwnerApi.getFingerprints(b.id)
    expect(fps.find((f) => f.fingerprint === oldFp)?.status).toBe('revoked')
    const second = await apiA2.patientApi.createOrModifyPatient(
      new Patient({ firstName: 'V', lastName: 'Two' }),
    )
    await apiA2.patientApi.giveAccessTo(second, b.id)
    const all = await records(apiA2, a.id, b.id)
    const newest = all.reduce((x, y) => ((x.keyCreated ?? 0) > (y.keyCreated ?? 0) ? x : y))
    expect(newest.recipients).not.toContain(oldFp)
    expect(Object.keys(newest.encryptedKey)).not.toContain(oldFp)
    // B still reads what was shared before (its own device keeps the old key) and after.
    const apiB2 = await session(b)
    expect((await apiB2.patientApi.getPatient(first.id!)).lastName).toBe('One')
    expect((await apiB2.patientApi.getPatient(second.id!)).lastName).toBe('Two')
  })

  it('lost key: the new key is refused until the counterpart gives access back, then everything is readable', async () => {
    const a = await newDevice('alice')
    const c = await newDevice('carol')
    const apiA = await session(a)
    await session(c) // C publishes its key
    const before = await apiA.patientApi.createOrModifyPatient(
      new Patient({ firstName: 'L', lastName: 'Before', note: 'n1' }),
    )
    await apiA.patientApi.giveAccessTo(before, c.id)

    // C loses every copy of its key: a new device, nothing given. The SDK warns, then makes a new pair.
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const lost: Device = {
      ...c,
      storage: new MemoryStorage(),
      keyStorage: new KeyStorageImpl(new MemoryStorage()),
    }
    const apiC = await session(lost, [])
    const warned = warn.mock.calls.map((args) => String(args[0])).join('\n')
    warn.mockRestore()
    expect(warned).toContain(c.id)
    expect(warned).toMatch(/NEW key pair/)
    expect(warned).toMatch(/LOST when this process exits/)
    const newKey = (await apiC.dataOwnerApi.getFingerprints(c.id)).find(
      (f) => f.publicKey !== c.keyPair.publicKey,
    )!
    expect(newKey).toBeDefined()

    // A's pins refuse the new key: sharing something new with C fails, naming both fingerprints.
    const apiA2 = await session(a)
    const after = await apiA2.patientApi.createOrModifyPatient(
      new Patient({ firstName: 'L', lastName: 'After', note: 'n2' }),
    )
    const refusal = await apiA2.patientApi.giveAccessTo(after, c.id).then(
      () => undefined,
      (e: unknown) => e as { code: string; message: string },
    )
    expect(refusal?.code).toBe('KEY_VERIFICATION')
    expect(refusal?.message).toContain(newKey.fingerprint)

    // A compares the fingerprint out of band and accepts the key: access is given back, per pair.
    await apiA2.dataOwnerApi.giveAccessBackTo(c.id, newKey.publicKey)
    const shared = await apiA2.patientApi.giveAccessTo(await apiA2.patientApi.getPatient(after.id!), c.id)
    expect(Object.keys(shared.systemMetaData!.encryptionKeys)).toContain(c.id)
    await apiC.forceReload()
    expect((await apiC.patientApi.getPatient(after.id!)).note).toBe('n2')
    expect((await apiC.patientApi.getPatient(before.id!)).note).toBe('n1')
  })

  it('console.log, util.inspect and JSON.stringify of the API show no password, token or key', async () => {
    const a = await newDevice('alice')
    const b = await newDevice('bob')
    const apiA = await session(a)
    await session(b)
    const he = await apiA.patientApi.createOrModifyPatient(
      new Patient({ firstName: 'I', lastName: 'Nspect' }),
    )
    await apiA.patientApi.giveAccessTo(he, b.id) // caches exchange keys
    const texts = [
      inspect(apiA, { depth: 10 }),
      inspect(apiA.patientApi, { depth: 10 }),
      inspect(apiA.dataSampleApi, { depth: 10 }),
      JSON.stringify(apiA),
    ]
    for (const t of texts) {
      expect(t).not.toContain(a.password)
      expect(t).not.toContain(a.keyPair.privateKey.slice(-64))
      // No JWT (they all start with the base64 of '{"'), no cached AES key bytes.
      expect(t).not.toMatch(/eyJ[\w-]+\.eyJ/)
      expect(t).not.toMatch(/raw: Uint8Array|refreshToken/)
    }
  })
})
