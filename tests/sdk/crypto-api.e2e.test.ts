import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  Content,
  DataSample,
  EncryptedPatient,
  HealthcareElement,
  HealthcareProfessional,
  Patient,
  SdkError,
  User,
  ua2hex,
  utf8_2ua,
} from '@cairn/sdk'
import { disposeServer, startServer, type ServerProcess } from '../support/server-process.ts'
import { login, newHcp, type Actor } from '../support/actors.ts'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

/** `api.cryptoApi` (MedTech §1.2) against a real server: primitives, entity metadata, cache control. */
describe('cryptoApi', () => {
  let server: ServerProcess
  let hcp: Actor
  let colleague: Actor
  let patient: Patient
  let sample: DataSample
  let element: HealthcareElement

  beforeAll(async () => {
    server = await startServer()
    ;[hcp, colleague] = await Promise.all([newHcp(server, 'crypto-api'), newHcp(server, 'colleague')])
    patient = await hcp.api.patientApi.createOrModifyPatient(
      new Patient({ firstName: 'Ada', lastName: 'Lovelace', note: 'secret note' }),
    )
    sample = await hcp.api.dataSampleApi.createOrModifyDataSampleFor(
      patient.id!,
      new DataSample({ content: { en: new Content({ numberValue: 72 }) } }),
    )
    element = await hcp.api.healthcareElementApi.createOrModifyHealthcareElement(
      new HealthcareElement({ description: 'asthma' }),
      patient.id,
    )
  })
  afterAll(() => disposeServer(server))

  it('primitives: crypto, randomUuid, sha256', async () => {
    const { primitives } = hcp.api.cryptoApi
    expect(primitives.crypto).toBe(globalThis.crypto)
    const ids = new Set(Array.from({ length: 20 }, () => primitives.randomUuid()))
    expect(ids.size).toBe(20)
    for (const id of ids) expect(id).toMatch(UUID)
    const digest = await primitives.sha256(utf8_2ua('abc'))
    expect(digest).toBeInstanceOf(ArrayBuffer)
    expect(ua2hex(new Uint8Array(digest))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    )
    expect(ua2hex(new Uint8Array(await primitives.sha256(utf8_2ua('abc').buffer)))).toBe(
      ua2hex(new Uint8Array(digest)),
    )
  })

  it('primitives.RSA: a generated pair, exported as MedTech apps do, logs a new data owner in', async () => {
    const { RSA } = hcp.api.cryptoApi.primitives
    const pair = await RSA.generateKeyPair()
    expect(pair.privateKey.algorithm).toMatchObject({ name: 'RSA-OAEP', modulusLength: 2048 })
    const publicKey = ua2hex(new Uint8Array(await RSA.exportKey(pair.publicKey, 'spki')))
    const privateKey = ua2hex(new Uint8Array(await RSA.exportKey(pair.privateKey, 'pkcs8')))
    const jwk = await RSA.exportKey(pair.privateKey, 'jwk')
    expect(jwk).toMatchObject({ kty: 'RSA', e: 'AQAB' })
    const jwks = (await RSA.exportKeys(pair, 'jwk', 'jwk')) as {
      publicKey: JsonWebKey
      privateKey: JsonWebKey
    }
    expect(jwks.privateKey.n).toBe(jwks.publicKey.n)
    const ders = await RSA.exportKeys(pair, 'pkcs8', 'spki')
    expect(ua2hex(new Uint8Array(ders.publicKey as ArrayBuffer))).toBe(publicKey)

    // importKeyPair from either format gives the same key back.
    const fromJwk = await RSA.importKeyPair('jwk', jwks.privateKey, 'jwk', jwks.publicKey)
    const fromDer = await RSA.importKeyPair('pkcs8', ders.privateKey, 'spki', ders.publicKey)
    for (const imported of [fromJwk, fromDer]) {
      expect(ua2hex(new Uint8Array(await RSA.exportKey(imported.publicKey, 'spki')))).toBe(publicKey)
      const secret = crypto.getRandomValues(new Uint8Array(32))
      const c = await crypto.subtle.encrypt({ name: 'RSA-OAEP' }, imported.publicKey, secret)
      expect(new Uint8Array(await crypto.subtle.decrypt({ name: 'RSA-OAEP' }, pair.privateKey, c))).toEqual(
        secret,
      )
    }
    // A MedTech JWK (alg RSA-OAEP: SHA-1) imports too.
    const medtech = await RSA.importKeyPair('jwk', { ...jwks.privateKey, alg: 'RSA-OAEP' }, 'jwk', {
      ...jwks.publicKey,
      alg: 'RSA-OAEP',
    })
    expect(ua2hex(new Uint8Array(await RSA.exportKey(medtech.publicKey, 'spki')))).toBe(publicKey)

    // The pair works on the server: a new HCP logs in with it and publishes exactly that key.
    const hp = await hcp.api.healthcareProfessionalApi.createOrModifyHealthcareProfessional(
      new HealthcareProfessional({ firstName: 'Key', lastName: 'Maker' }),
    )
    const loginName = `key-maker-${Date.now()}@example.org`
    await hcp.api.userApi.createOrModifyUser(
      new User({ login: loginName, passwordHash: 'key-maker-pw', healthcarePartyId: hp.id }),
    )
    const api = await login(server, loginName, 'key-maker-pw', [{ privateKey, publicKey }])
    const published = await hcp.api.dataOwnerApi.getDataOwner(hp.id!)
    expect(hcp.api.dataOwnerApi.getPublicKeysOf(published)).toEqual([publicKey])
    expect((await api.userApi.getLoggedUser()).healthcarePartyId).toBe(hp.id)
  })

  it('entities.secretIdsOf: the patient secret ids its children are linked with, from a model or its wire form', async () => {
    const { entities } = hcp.api.cryptoApi
    const secretIds = await entities.secretIdsOf(patient)
    expect(secretIds).toHaveLength(1)
    expect(secretIds[0]).toMatch(UUID)
    const sampleLinks = sample.systemMetaData!.secretForeignKeys
    const elementLinks = element.systemMetaData!.secretForeignKeys
    expect(sampleLinks).toEqual(secretIds)
    expect(elementLinks).toEqual(secretIds)
    // The wire form (marshalled) with its type, Cairn or MedTech name; and a model fetched again.
    const wire = patient.marshal() as Record<string, unknown>
    expect(await entities.secretIdsOf(wire, 'patient')).toEqual(secretIds)
    expect(await entities.secretIdsOf(wire, 'Patient')).toEqual(secretIds)
    expect(await entities.secretIdsOf(await hcp.api.patientApi.getPatient(patient.id!))).toEqual(secretIds)
    // Only an id: the entity is fetched.
    expect(await entities.secretIdsOf({ id: patient.id }, 'patient')).toEqual(secretIds)
    // Samples and elements have their own secret ids.
    const [sampleSecret] = await entities.secretIdsOf(sample)
    expect(sampleSecret).toMatch(UUID)
    expect(sampleSecret).not.toBe(secretIds[0])
    expect(await entities.secretIdsOf(element)).toHaveLength(1)
    // A data owner it is not shared with reads none (it cannot even fetch it).
    await expect(colleague.api.cryptoApi.entities.secretIdsOf({ id: patient.id }, 'patient')).rejects.toThrow(
      SdkError,
    )
    // Without a type, a plain object is refused with a clear message.
    await expect(entities.secretIdsOf(wire)).rejects.toThrow(/Cannot tell the type of this entity/)
    await expect(entities.secretIdsOf(wire, 'Contact' as 'patient')).rejects.toThrow(/Unknown entity type/)
  })

  it('entities.owningEntityIdsOf: the parent patient of samples and elements, none for a patient', async () => {
    const { entities } = hcp.api.cryptoApi
    expect(await entities.owningEntityIdsOf(sample)).toEqual([patient.id])
    expect(await entities.owningEntityIdsOf(element)).toEqual([patient.id])
    expect(
      await entities.owningEntityIdsOf(sample.marshal() as Record<string, unknown>, 'DataSample'),
    ).toEqual([patient.id])
    expect(
      await entities.owningEntityIdsOf(element.marshal() as Record<string, unknown>, 'HealthElement'),
    ).toEqual([patient.id])
    expect(await entities.owningEntityIdsOf(patient)).toEqual([])
  })

  it('entities.getDataOwnersWithAccessTo follows sharing; the delegate then reads the same metadata', async () => {
    const { entities } = hcp.api.cryptoApi
    expect(await entities.getDataOwnersWithAccessTo(patient)).toEqual({
      permissionsByDataOwnerId: { [hcp.dataOwnerId]: 'WRITE' },
      hasUnknownAnonymousDataOwners: false,
    })
    const shared = await hcp.api.patientApi.giveAccessTo(patient, colleague.dataOwnerId)
    const sharedSample = await hcp.api.dataSampleApi.giveAccessTo(sample, colleague.dataOwnerId)
    const expected = {
      permissionsByDataOwnerId: { [hcp.dataOwnerId]: 'WRITE', [colleague.dataOwnerId]: 'WRITE' },
      hasUnknownAnonymousDataOwners: false,
    }
    expect(await entities.getDataOwnersWithAccessTo(shared)).toEqual(expected)
    expect(await entities.getDataOwnersWithAccessTo(sharedSample)).toEqual(expected)
    expect(await entities.getDataOwnersWithAccessTo({ id: sample.id }, 'dataSample')).toEqual(expected)

    // The colleague sees the same links through its own exchange keys.
    const theirs = colleague.api.cryptoApi.entities
    const seen = await colleague.api.patientApi.getPatient(patient.id!)
    expect(await theirs.secretIdsOf(seen)).toEqual(await entities.secretIdsOf(patient))
    const seenSample = await colleague.api.dataSampleApi.getDataSample(sample.id!)
    expect(await theirs.owningEntityIdsOf(seenSample)).toEqual([patient.id])
    expect(await theirs.getDataOwnersWithAccessTo(seen)).toEqual(expected)
    const stub = await colleague.api.patientApi.getPatientAndTryDecrypt(patient.id!)
    expect(stub).not.toBeInstanceOf(EncryptedPatient)
  })

  it('forceReload and emptyHcpCache clear the caches; everything works after', async () => {
    const { cryptoApi } = hcp.api
    await cryptoApi.forceReload()
    cryptoApi.emptyHcpCache(colleague.dataOwnerId)
    expect(await cryptoApi.entities.owningEntityIdsOf(sample)).toEqual([patient.id])
    const again = await hcp.api.patientApi.createOrModifyPatient(
      new Patient({ firstName: 'Again', lastName: 'X' }),
    )
    await hcp.api.patientApi.giveAccessTo(again, colleague.dataOwnerId)
    await colleague.api.cryptoApi.forceReload()
    expect((await colleague.api.patientApi.getPatient(again.id!)).firstName).toBe('Again')
    expect(JSON.stringify(cryptoApi)).toBe('{}')
  })
})
