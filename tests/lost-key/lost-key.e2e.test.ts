import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  Content,
  DataSample,
  EncryptedPatient,
  MemoryStorage,
  NotificationTypeEnum,
  Patient,
  SimpleMedTechCryptoStrategies,
  medTechApi,
  type KeyVerificationContext,
  type MedTechApi,
  type Notification,
} from '@cairn/sdk'
import { createHcp } from '../../packages/cli/src/commands/create-hcp.ts'
import { BACKENDS } from '../support/backends.ts'
import { disposeServer, startServer, type ServerProcess } from '../support/server-process.ts'
import { login, newHcp, newPatient, type Actor } from '../support/actors.ts'
import { rejection } from '../support/integrity-expectations.ts'

/**
 * Seed 000's promise, end to end on each backend: a data owner that loses its private key gets a new
 * pair at its next login, asks every counterpart with a KEY_PAIR_UPDATE notification, and reads again
 * what it had shared with those that answer with giveAccessBackTo. What nobody else held stays
 * unreadable and is marked so. The new key is trusted by a counterpart only through its crypto
 * strategies: an app that verifies fingerprints out of band refuses it until the user confirmed it.
 */

/** The pending KEY_PAIR_UPDATE requests of `ownerId` in the inbox of `api`. */
async function requestsFrom(api: MedTechApi, ownerId: string): Promise<Notification[]> {
  const pending = await api.notificationApi.getPendingNotificationsAfter()
  return pending.filter((n) => n.type === NotificationTypeEnum.KEY_PAIR_UPDATE && n.responsible === ownerId)
}

/** A STRING property of a notification, as MedTech apps read it. */
const propertyOf = (n: Notification, id: string) =>
  n.properties?.find((p) => p.id === id)?.typedValue?.stringValue

/** Logs in on a device that holds none of the data owner's keys (the SDK warns, then makes a pair). */
async function onNewDevice(server: ServerProcess, actor: Actor): Promise<MedTechApi> {
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
  try {
    return await login(server, actor.login, actor.password)
  } finally {
    warn.mockRestore()
  }
}

const text = (value: string) => new DataSample({ content: { en: new Content({ stringValue: value }) } })

for (const backend of BACKENDS) {
  describe.skipIf(!backend.enabled)(`lost key and giving access back (${backend.name})`, () => {
    let server: ServerProcess

    beforeAll(async () => {
      server = await startServer({ databaseUrl: backend.databaseUrl })
    })
    afterAll(async () => {
      await disposeServer(server)
    })

    it('a professional with two counterparts: the one that answers gives back what they shared; the rest stays withheld, and says so', async () => {
      const [a, b, c] = await Promise.all([
        newHcp(server, 'answers'),
        newHcp(server, 'silent'),
        newHcp(server, 'loses'),
      ])
      const withA = await c.api.patientApi.createOrModifyPatient(
        new Patient({ firstName: 'Shared', lastName: 'WithA', note: 'note shared with A' }),
      )
      await c.api.patientApi.giveAccessTo(withA, a.dataOwnerId)
      const sampleWithA = await c.api.dataSampleApi.createOrModifyDataSampleFor(
        withA.id!,
        text('sample shared with A'),
      )
      await c.api.dataSampleApi.giveAccessTo(sampleWithA, a.dataOwnerId)
      const withB = await c.api.patientApi.createOrModifyPatient(
        new Patient({ firstName: 'Shared', lastName: 'WithB', note: 'note shared with B' }),
      )
      await c.api.patientApi.giveAccessTo(withB, b.dataOwnerId)
      const own = await c.api.patientApi.createOrModifyPatient(
        new Patient({ firstName: 'Kept', lastName: 'ToItself', note: 'nobody else has this' }),
      )
      const ownSample = await c.api.dataSampleApi.createOrModifyDataSampleFor(own.id!, text('mine only'))
      const fromA = await a.api.patientApi.createOrModifyPatient(
        new Patient({ firstName: 'From', lastName: 'A', note: 'note written by A' }),
      )
      await a.api.patientApi.giveAccessTo(fromA, c.dataOwnerId)

      // C loses every copy of its key: the next login makes a pair and asks both counterparts.
      const c2 = await onNewDevice(server, c)
      expect(c2.accessBackRequests?.notified.sort()).toEqual([a.dataOwnerId, b.dataOwnerId].sort())
      expect(c2.accessBackRequests?.failed).toEqual([])
      expect((await rejection(c2.patientApi.getPatient(withA.id!))).message).toContain(
        `Could not decrypt patient ${withA.id}`,
      )

      // A reads the request, gives access back, and closes it.
      const [request, ...more] = await requestsFrom(a.api, c.dataOwnerId)
      expect(more).toEqual([])
      expect(request.status).toBe('pending')
      expect(propertyOf(request, 'dataOwnerConcernedId')).toBe(c.dataOwnerId)
      const newKey = propertyOf(request, 'dataOwnerConcernedPubKey')!
      const published = await c2.dataOwnerApi.getFingerprints(c.dataOwnerId)
      expect(published.map((f) => f.publicKey)).toContain(newKey)
      await a.api.dataOwnerApi.giveAccessBackTo(c.dataOwnerId, newKey)
      const closed = await a.api.notificationApi.updateNotificationStatus(request, 'completed')
      expect(closed?.status).toBe('completed')
      expect(await requestsFrom(a.api, c.dataOwnerId)).toEqual([])
      // B never answers: its request stays pending.
      expect(await requestsFrom(b.api, c.dataOwnerId)).toHaveLength(1)

      await c2.forceReload()
      // What C had shared with A, and what A had shared with C, read again.
      expect((await c2.patientApi.getPatient(withA.id!)).note).toBe('note shared with A')
      expect((await c2.dataSampleApi.getDataSample(sampleWithA.id!)).content?.en?.stringValue).toBe(
        'sample shared with A',
      )
      expect((await c2.patientApi.getPatient(fromA.id!)).note).toBe('note written by A')
      // What only B or nobody else held stays unreadable, and is marked as withheld, never blank.
      expect((await rejection(c2.patientApi.getPatient(withB.id!))).message).toContain(
        `Could not decrypt patient ${withB.id}`,
      )
      const ownRecord = await c2.patientApi.getPatientAndTryDecrypt(own.id!)
      expect(ownRecord).toBeInstanceOf(EncryptedPatient)
      expect((ownRecord as EncryptedPatient).note).toBeUndefined()
      const withheld = await c2.dataSampleApi.getDataSample(ownSample.id!)
      expect(withheld.systemMetaData?.contentWithheld).toBe(true)
      expect(Object.keys(withheld.content ?? {})).toEqual([])

      // C works on with its new key, and shares with A as before.
      const after = await c2.patientApi.createOrModifyPatient(
        new Patient({ firstName: 'After', lastName: 'Loss', note: 'written with the new key' }),
      )
      await c2.patientApi.giveAccessTo(after, a.dataOwnerId)
      expect((await a.api.patientApi.getPatient(after.id!)).note).toBe('written with the new key')
    })

    it('a patient: its doctor answers, and the patient reads its record, its own data and the doctor’s again', async () => {
      const doctor = await newHcp(server, 'doctor')
      const patient = await newPatient(server, doctor, 'Lou')
      const record = await doctor.api.patientApi.getPatient(patient.dataOwnerId)
      const noted = await doctor.api.patientApi.createOrModifyPatient(
        new Patient({ ...record, note: 'allergic to penicillin' }),
      )
      await doctor.api.patientApi.giveAccessTo(noted, patient.dataOwnerId)
      const byDoctor = await doctor.api.dataSampleApi.createOrModifyDataSampleFor(
        patient.dataOwnerId,
        text('measured by the doctor'),
      )
      await doctor.api.dataSampleApi.giveAccessTo(byDoctor, patient.dataOwnerId)
      const byPatient = await patient.api.dataSampleApi.createOrModifyDataSampleFor(
        patient.dataOwnerId,
        text('written by the patient'),
      )
      await patient.api.dataSampleApi.giveAccessTo(byPatient, doctor.dataOwnerId)

      const lost = await onNewDevice(server, patient)
      expect(lost.accessBackRequests?.notified).toEqual([doctor.dataOwnerId])
      const [request] = await requestsFrom(doctor.api, patient.dataOwnerId)
      await doctor.api.dataOwnerApi.giveAccessBackTo(
        propertyOf(request, 'dataOwnerConcernedId')!,
        propertyOf(request, 'dataOwnerConcernedPubKey')!,
      )
      await doctor.api.notificationApi.updateNotificationStatus(request, 'completed')

      await lost.forceReload()
      expect((await lost.patientApi.getPatient(patient.dataOwnerId)).note).toBe('allergic to penicillin')
      expect((await lost.dataSampleApi.getDataSample(byDoctor.id!)).content?.en?.stringValue).toBe(
        'measured by the doctor',
      )
      expect((await lost.dataSampleApi.getDataSample(byPatient.id!)).content?.en?.stringValue).toBe(
        'written by the patient',
      )
      const listed = await lost.dataSampleApi.getDataSamplesForPatient(
        await lost.patientApi.getPatient(patient.dataOwnerId),
      )
      expect(listed.map((s) => s.content?.en?.stringValue).sort()).toEqual([
        'measured by the doctor',
        'written by the patient',
      ])
    })

    it('an old device still at hand gives the new key access itself, own data included (MedTech self flow)', async () => {
      const hcp = await newHcp(server, 'two-devices')
      const own = await hcp.api.patientApi.createOrModifyPatient(
        new Patient({ firstName: 'Only', lastName: 'Mine', note: 'shared with nobody' }),
      )
      const device2 = await onNewDevice(server, hcp)
      expect(device2.accessBackRequests?.notified).toEqual([])
      const [newKey] = (await device2.dataOwnerApi.getFingerprints(hcp.dataOwnerId)).filter(
        (f) => f.status === 'trusted',
      )
      expect((await rejection(device2.patientApi.getPatient(own.id!))).message).toContain('Could not decrypt')

      // The old device vouches for the new key with a statement it signs, and opens its exchange keys to it.
      await hcp.api.dataOwnerApi.giveAccessBackTo(hcp.dataOwnerId, newKey.publicKey)
      await device2.forceReload()
      expect((await device2.patientApi.getPatient(own.id!)).note).toBe('shared with nobody')
      // Every client now trusts the new key through that statement, the old device included.
      const seen = await hcp.api.dataOwnerApi.getFingerprints(hcp.dataOwnerId)
      expect(seen.map((f) => f.status)).toEqual(['trusted', 'trusted'])
    })

    it('an app that verifies keys out of band accepts the new key only once the user confirmed its fingerprint', async () => {
      /** Trusts on first contact; afterwards only keys whose fingerprint the user confirmed. */
      class OutOfBandStrategies extends SimpleMedTechCryptoStrategies {
        readonly confirmed = new Set<string>()
        override verifyDelegatePublicKeys(
          _delegateId: string,
          publicKeys: string[],
          _primitives?: unknown,
          context?: KeyVerificationContext,
        ): Promise<string[]> {
          if (!context || context.pinnedFingerprints.length === 0) return Promise.resolve(publicKeys)
          return Promise.resolve(publicKeys.filter((_, i) => this.confirmed.has(context.fingerprints[i])))
        }
      }
      const creds = await createHcp({
        url: server.url,
        adminLogin: server.adminLogin,
        adminPassword: server.adminPassword,
        login: `careful-${Date.now().toString(36)}@example.org`,
        firstName: 'Careful',
        lastName: 'Verifier',
      })
      const strategies = new OutOfBandStrategies([creds.keyPair])
      const careful = await medTechApi()
        .withICureBaseUrl(server.url)
        .withUserName(creds.login)
        .withPassword(creds.password)
        .withStorage(new MemoryStorage())
        .withCryptoStrategies(strategies)
        .build()
      const owner = await newHcp(server, 'owner')
      const shared = await owner.api.patientApi.createOrModifyPatient(
        new Patient({ firstName: 'Out', lastName: 'OfBand', note: 'checked' }),
      )
      await owner.api.patientApi.giveAccessTo(shared, creds.healthcareProfessionalId)
      expect((await careful.patientApi.getPatient(shared.id!)).note).toBe('checked') // first contact: pinned

      const owner2 = await onNewDevice(server, owner)
      expect(owner2.accessBackRequests?.notified).toEqual([creds.healthcareProfessionalId])
      const [request] = await requestsFrom(careful, owner.dataOwnerId)
      const newKey = propertyOf(request, 'dataOwnerConcernedPubKey')!
      const refused = await rejection(careful.dataOwnerApi.giveAccessBackTo(owner.dataOwnerId, newKey))
      expect(refused.code).toBe('KEY_VERIFICATION')
      const listed = await careful.dataOwnerApi.getFingerprints(owner.dataOwnerId)
      const candidate = listed.find((f) => f.publicKey === newKey)!
      expect(candidate.status).toBe('unverified')

      // The owner reads its new fingerprint to the user (phone, in person); the user confirms it.
      const told = (await owner2.dataOwnerApi.getFingerprints(owner.dataOwnerId)).find(
        (f) => f.status === 'trusted' && f.publicKey === newKey,
      )!
      expect(told.fingerprint).toBe(candidate.fingerprint)
      strategies.confirmed.add(told.fingerprint)
      await careful.forceReload()
      await careful.dataOwnerApi.giveAccessBackTo(owner.dataOwnerId, newKey)
      await owner2.forceReload()
      expect((await owner2.patientApi.getPatient(shared.id!)).note).toBe('checked')
    })
  })
}
