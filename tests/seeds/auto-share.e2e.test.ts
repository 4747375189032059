import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CodingReference, Content, DataSample, MedicalDevice, Patient, User } from '@cairn/sdk'
import { BACKENDS } from '../support/backends.ts'
import { disposeServer, startServer, type ServerProcess } from '../support/server-process.ts'
import { login, newHcp, newPatient, type Actor } from '../support/actors.ts'
import { findPlaintext } from '../support/leak-check.ts'

/**
 * Seed 002 "Sharing data automatically with other data owners", every section, through the SDK
 * against a real server process, on each storage backend.
 */
const keys = (m: object | undefined) => Object.keys(m ?? {}).sort()
const ids = (s: Set<string> | undefined) => [...(s ?? [])].sort()
const sample = (text: string) =>
  new DataSample({
    labels: new Set([new CodingReference({ type: 'IC-TEST', code: 'TEST' })]),
    content: { en: new Content({ stringValue: text }) },
  })

const PLAINTEXTS = [
  'Winter is coming',
  'Hello world',
  "Won't automatically update who the data is shared with on modify",
  'Hcp 2 is not sharing automatically with 1',
  'Hcp 1 stopped sharing data automatically with 2',
  "Even if hcp1 shares with p and p shares with hcp2, hcp2 won't have automatic access to the data",
]

for (const backend of BACKENDS) {
  describe.skipIf(!backend.enabled)(`seed 002: sharing data automatically (${backend.name})`, () => {
    let server: ServerProcess
    let hcp1: Actor
    let hcp2: Actor
    let p: Actor
    let patient: Patient
    let existingDataSample: DataSample
    let dataSample: DataSample

    beforeAll(async () => {
      server = await startServer({ databaseUrl: backend.databaseUrl })
      hcp1 = await newHcp(server, 'hcp1')
      hcp2 = await newHcp(server, 'hcp2')
      p = await newPatient(server, hcp1, 'Bran')
      const base = await hcp1.api.patientApi.createOrModifyPatient(
        new Patient({ firstName: 'Ned', lastName: 'Stark' }),
      )
      existingDataSample = await hcp1.api.dataSampleApi.createOrModifyDataSampleFor(
        base.id!,
        sample('created before sharing'),
      )
    })
    afterAll(() => disposeServer(server))

    it('shareAllFutureDataWith returns the user with sharingDataWith', async () => {
      const user = await hcp1.api.userApi.shareAllFutureDataWith(
        [hcp1.api.dataOwnerApi.getDataOwnerIdOf(hcp2.user)],
        'medicalInformation',
      )
      expect(user.id).toBe(hcp1.user.id)
      expect(ids(user.sharingDataWith.medicalInformation)).toEqual([hcp2.dataOwnerId])
      expect(ids((await hcp1.api.userApi.getLoggedUser()).sharingDataWith.medicalInformation)).toEqual([
        hcp2.dataOwnerId,
      ])
      const again = await hcp1.api.userApi.shareAllFutureDataWith([hcp2.dataOwnerId], 'medicalInformation')
      expect(again.rev).toBe(user.rev)
    })

    it('new patients and data samples are shared at creation', async () => {
      const note = 'Winter is coming'
      patient = await hcp1.api.patientApi.createOrModifyPatient(
        new Patient({ firstName: 'John', lastName: 'Snow', note }),
      )
      const patient1 = await hcp1.api.patientApi.getPatient(patient.id!)
      const patient2 = await hcp2.api.patientApi.getPatient(patient.id!)
      expect(patient1.note).toBe(note)
      expect(patient2.note).toBe(note)
      expect(patient2.rev).toBe(patient1.rev)
      expect(patient2.rev).toMatch(/^1-/)
      expect(keys(patient2.systemMetaData?.delegations)).toEqual([hcp1.dataOwnerId, hcp2.dataOwnerId].sort())
      expect(keys(patient2.systemMetaData?.encryptionKeys)).toEqual(
        [hcp1.dataOwnerId, hcp2.dataOwnerId].sort(),
      )

      dataSample = await hcp1.api.dataSampleApi.createOrModifyDataSampleFor(
        patient.id!,
        sample('Hello world'),
      )
      const dataSample1 = await hcp1.api.dataSampleApi.getDataSample(dataSample.id!)
      const dataSample2 = await hcp2.api.dataSampleApi.getDataSample(dataSample.id!)
      expect(dataSample1.content.en.stringValue).toBe('Hello world')
      expect(dataSample2.content.en.stringValue).toBe('Hello world')
      expect(dataSample2.index).toBe(0)
      expect(dataSample2.valueDate).toBe(dataSample2.openingDate)
      expect(dataSample2.author).toBe(hcp1.user.id)
      expect(dataSample2.responsible).toBe(hcp1.dataOwnerId)
      for (const map of ['delegations', 'encryptionKeys', 'cryptedForeignKeys'] as const) {
        expect(keys(dataSample2.systemMetaData?.[map])).toEqual([hcp1.dataOwnerId, hcp2.dataOwnerId].sort())
      }
    })

    it('no automatic share on modify', async () => {
      const contentNotOnModify = "Won't automatically update who the data is shared with on modify"
      const dataSampleNotOnModify = await hcp1.api.dataSampleApi.createOrModifyDataSampleFor(
        (await hcp1.api.dataSampleApi.extractPatientId(existingDataSample))!,
        new DataSample({
          ...existingDataSample,
          content: { en: new Content({ stringValue: contentNotOnModify }) },
        }),
      )
      expect(dataSampleNotOnModify.id).toBe(existingDataSample.id)
      expect(dataSampleNotOnModify.batchId).toBe(existingDataSample.batchId)
      expect(dataSampleNotOnModify.rev).toMatch(/^2-/)
      expect(dataSampleNotOnModify.content.en.stringValue).toBe(contentNotOnModify)
      expect(keys(dataSampleNotOnModify.systemMetaData?.delegations)).toEqual([hcp1.dataOwnerId])
      await expect(hcp2.api.dataSampleApi.getDataSample(existingDataSample.id!)).rejects.toThrow(/^404 - /)
    })

    it('is uni-directional', async () => {
      const dataSampleNotSharedBy2 = await hcp2.api.dataSampleApi.createOrModifyDataSampleFor(
        patient.id!,
        sample('Hcp 2 is not sharing automatically with 1'),
      )
      expect(dataSampleNotSharedBy2.systemMetaData?.secretForeignKeys).toEqual(
        dataSample.systemMetaData?.secretForeignKeys,
      )
      expect(keys(dataSampleNotSharedBy2.systemMetaData?.delegations)).toEqual([hcp2.dataOwnerId])
      await expect(hcp1.api.dataSampleApi.getDataSample(dataSampleNotSharedBy2.id!)).rejects.toThrow(
        /^404 - /,
      )
    })

    it('stopSharingDataWith stops sharing new data; what was shared stays shared (not retroactive)', async () => {
      const userWithoutShare = await hcp1.api.userApi.stopSharingDataWith(
        [hcp1.api.dataOwnerApi.getDataOwnerIdOf(hcp2.user)],
        'medicalInformation',
      )
      expect(ids(userWithoutShare.sharingDataWith.medicalInformation)).toEqual([])
      const dataSampleNotSharedAnymore = await hcp1.api.dataSampleApi.createOrModifyDataSampleFor(
        patient.id!,
        sample('Hcp 1 stopped sharing data automatically with 2'),
      )
      expect(keys(dataSampleNotSharedAnymore.systemMetaData?.delegations)).toEqual([hcp1.dataOwnerId])
      await expect(hcp2.api.dataSampleApi.getDataSample(dataSampleNotSharedAnymore.id!)).rejects.toThrow(
        /^404 - /,
      )
      // Stopping does not revoke: hcp2 still reads what was shared while the sharing was on.
      expect((await hcp2.api.dataSampleApi.getDataSample(dataSample.id!)).content.en.stringValue).toBe(
        'Hello world',
      )
      expect((await hcp2.api.patientApi.getPatient(patient.id!)).note).toBe('Winter is coming')
    })

    it('starting is not retroactive either', async () => {
      const before = await hcp1.api.dataSampleApi.createOrModifyDataSampleFor(
        patient.id!,
        sample('before the start'),
      )
      await hcp1.api.userApi.shareAllFutureDataWith([hcp2.dataOwnerId], 'medicalInformation')
      await expect(hcp2.api.dataSampleApi.getDataSample(before.id!)).rejects.toThrow(/^404 - /)
      await hcp1.api.userApi.stopSharingDataWith([hcp2.dataOwnerId], 'medicalInformation')
    })

    it('no chaining: hcp1 -> p and p -> hcp2 does not give hcp2 what hcp1 creates', async () => {
      await hcp1.api.userApi.shareAllFutureDataWith(
        [hcp1.api.dataOwnerApi.getDataOwnerIdOf(p.user)],
        'medicalInformation',
      )
      await p.api.userApi.shareAllFutureDataWith(
        [p.api.dataOwnerApi.getDataOwnerIdOf(hcp2.user)],
        'medicalInformation',
      )
      const dataSampleNoChaining = await hcp1.api.dataSampleApi.createOrModifyDataSampleFor(
        patient.id!,
        sample(
          "Even if hcp1 shares with p and p shares with hcp2, hcp2 won't have automatic access to the data",
        ),
      )
      for (const map of ['delegations', 'encryptionKeys', 'cryptedForeignKeys'] as const) {
        expect(keys(dataSampleNoChaining.systemMetaData?.[map])).toEqual(
          [hcp1.dataOwnerId, p.dataOwnerId].sort(),
        )
      }
      expect(
        (await p.api.dataSampleApi.getDataSample(dataSampleNoChaining.id!)).content.en.stringValue,
      ).toMatch(/^Even if/)
      await expect(hcp2.api.dataSampleApi.getDataSample(dataSampleNoChaining.id!)).rejects.toThrow(/^404 - /)
      await hcp1.api.userApi.stopSharingDataWith([p.dataOwnerId], 'medicalInformation')
      await p.api.userApi.stopSharingDataWith([hcp2.dataOwnerId], 'medicalInformation')
    })

    it('kind omitted means all; administrativeInformation is administrativeData and does not share medical data', async () => {
      const all = await hcp2.api.userApi.shareAllFutureDataWith([hcp1.dataOwnerId])
      expect(ids(all.sharingDataWith.all)).toEqual([hcp1.dataOwnerId])
      const he = await hcp2.api.dataSampleApi.createOrModifyDataSampleFor(patient.id!, sample('kind all'))
      expect(keys(he.systemMetaData?.delegations)).toEqual([hcp1.dataOwnerId, hcp2.dataOwnerId].sort())
      const stopped = await hcp2.api.userApi.stopSharingDataWith([hcp1.dataOwnerId])
      expect(ids(stopped.sharingDataWith.all)).toEqual([])

      const admin = await hcp2.api.userApi.shareAllFutureDataWith(
        [p.dataOwnerId],
        'administrativeInformation',
      )
      expect(ids(admin.sharingDataWith.administrativeData)).toEqual([p.dataOwnerId])
      const medical = await hcp2.api.dataSampleApi.createOrModifyDataSampleFor(
        patient.id!,
        sample('kind administrative'),
      )
      expect(keys(medical.systemMetaData?.delegations)).toEqual([hcp2.dataOwnerId])
      await expect(
        hcp2.api.userApi.shareAllFutureDataWith([p.dataOwnerId], 'notAKind' as never),
      ).rejects.toThrow(/^400 - Unknown kind of shared data "notAKind"/)
    })

    it('applies to every data owner type: a device and a patient share automatically too', async () => {
      const device = await hcp1.api.medicalDeviceApi.createOrModifyMedicalDevice(
        new MedicalDevice({ name: 'Glucometer', serialNumber: 'GX-1' }),
      )
      const deviceLogin = `device-${device.id}@example.org`
      await hcp1.api.userApi.createOrModifyUser(
        new User({ login: deviceLogin, passwordHash: 'device-secret', deviceId: device.id }),
      )
      const deviceApi = await login(server, deviceLogin, 'device-secret')
      await hcp1.api.patientApi.giveAccessTo(await hcp1.api.patientApi.getPatient(patient.id!), device.id!)
      await deviceApi.userApi.shareAllFutureDataWith([p.dataOwnerId], 'medicalInformation')
      const measured = await deviceApi.dataSampleApi.createOrModifyDataSampleFor(
        patient.id!,
        sample('device reading'),
      )
      expect(keys(measured.systemMetaData?.delegations)).toEqual([device.id!, p.dataOwnerId].sort())
      expect((await p.api.dataSampleApi.getDataSample(measured.id!)).content.en.stringValue).toBe(
        'device reading',
      )

      const relative = await newPatient(server, hcp1, 'Rickon')
      await hcp1.api.patientApi.giveAccessTo(await hcp1.api.patientApi.getPatient(patient.id!), p.dataOwnerId)
      await p.api.userApi.shareAllFutureDataWith([relative.dataOwnerId, device.id!])
      const fromPatient = await p.api.dataSampleApi.createOrModifyDataSampleFor(
        patient.id!,
        sample('patient to all'),
      )
      expect(keys(fromPatient.systemMetaData?.delegations)).toEqual(
        [p.dataOwnerId, relative.dataOwnerId, device.id!].sort(),
      )
      expect((await deviceApi.dataSampleApi.getDataSample(fromPatient.id!)).content.en.stringValue).toBe(
        'patient to all',
      )
      expect((await relative.api.dataSampleApi.getDataSample(fromPatient.id!)).content.en.stringValue).toBe(
        'patient to all',
      )
    })

    it('sharing with a data owner that does not exist is refused', async () => {
      await expect(
        hcp1.api.userApi.shareAllFutureDataWith([crypto.randomUUID()], 'medicalInformation'),
      ).rejects.toThrow(/^400 - Data owner .* does not exist/)
    })

    it('stores and logs no plaintext of encrypted fields', async () => {
      expect(await findPlaintext(server, PLAINTEXTS)).toEqual([])
    })
  })
}
