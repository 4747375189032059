import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CodingReference, DataSample, HealthcareElement, Patient, SdkError } from '@cairn/sdk'
import { BACKENDS } from '../support/backends.ts'
import { disposeServer, startServer, type ServerProcess } from '../support/server-process.ts'
import { newHcp, newPatient, type Actor } from '../support/actors.ts'
import { findPlaintext, pgRowCount } from '../support/leak-check.ts'

/**
 * Seed 003 "Sharing data between data owners", step by step through the SDK against a real server
 * process, on each storage backend; then nothing of the plaintext may be found in storage or logs.
 */
const PLAINTEXTS = [
  'Winter is coming',
  'Hello world',
  'Pararibulitis',
  'This is a comment',
  'Shared between relatives',
]

const keys = (m: object | undefined) => Object.keys(m ?? {}).sort()

for (const backend of BACKENDS) {
  describe.skipIf(!backend.enabled)(`seed 003: sharing data between data owners (${backend.name})`, () => {
    let server: ServerProcess
    let hcp1: Actor
    let hcp2: Actor
    let p: Actor
    let patient: Patient
    let updatedPatient: Patient
    let healthcareElement: HealthcareElement
    let dataSample: DataSample

    beforeAll(async () => {
      server = await startServer({ databaseUrl: backend.databaseUrl })
      hcp1 = await newHcp(server, 'hcp1')
      hcp2 = await newHcp(server, 'hcp2')
      p = await newPatient(server, hcp1, 'Arya')
    })
    afterAll(() => disposeServer(server))

    it('only the creator can read a new entity', async () => {
      const note = 'Winter is coming'
      patient = await hcp1.api.patientApi.createOrModifyPatient(
        new Patient({ firstName: 'John', lastName: 'Snow', note }),
      )
      expect(patient.note).toBe(note)
      expect(patient.rev).toMatch(/^1-/)
      expect(patient.author).toBe(hcp1.user.id)
      expect(patient.responsible).toBe(hcp1.dataOwnerId)
      expect(keys(patient.systemMetaData?.delegations)).toEqual([hcp1.dataOwnerId])
      expect(keys(patient.systemMetaData?.encryptionKeys)).toEqual([hcp1.dataOwnerId])
      expect(patient.names[0]).toMatchObject({
        lastName: 'Snow',
        firstNames: ['John'],
        text: 'Snow John',
        use: 'official',
      })
      expect((await hcp1.api.patientApi.getPatient(patient.id!)).note).toBe(note)
      await expect(hcp2.api.patientApi.getPatient(patient.id!)).rejects.toThrow(/^404 - /)
      await expect(p.api.patientApi.getPatient(patient.id!)).rejects.toThrow(/^404 - /)
    })

    it('hcp1 shares the patient with hcp2, then with the patient p (giveAccessTo)', async () => {
      updatedPatient = await hcp1.api.patientApi.giveAccessTo(
        patient,
        hcp1.api.dataOwnerApi.getDataOwnerIdOf(hcp2.user),
      )
      expect(updatedPatient.rev).toMatch(/^2-/)
      expect(keys(updatedPatient.systemMetaData?.delegations)).toEqual(
        [hcp1.dataOwnerId, hcp2.dataOwnerId].sort(),
      )
      const shared = await hcp1.api.patientApi.giveAccessTo(
        updatedPatient,
        hcp1.api.dataOwnerApi.getDataOwnerIdOf(p.user),
      )
      expect(keys(shared.systemMetaData?.encryptionKeys)).toEqual(
        [hcp1.dataOwnerId, hcp2.dataOwnerId, p.dataOwnerId].sort(),
      )
      expect((await hcp2.api.patientApi.getPatient(patient.id!)).note).toBe('Winter is coming')
      expect((await p.api.patientApi.getPatient(patient.id!)).note).toBe('Winter is coming')
    })

    it('giveAccessTo with a stale entity is a 409 conflict and changes nothing', async () => {
      const before = await hcp1.api.patientApi.getPatient(patient.id!)
      const other = await newHcp(server, 'late')
      const error = await hcp1.api.patientApi.giveAccessTo(patient, other.dataOwnerId).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(SdkError)
      expect((error as SdkError).status).toBe(409)
      expect((error as Error).message).toMatch(/^409 - /)
      const after = await hcp1.api.patientApi.getPatient(patient.id!)
      expect(after.rev).toBe(before.rev)
      expect(keys(after.systemMetaData?.delegations)).not.toContain(other.dataOwnerId)
      await expect(other.api.patientApi.getPatient(patient.id!)).rejects.toThrow(/^404 - /)
    })

    it('sharing with someone who already has access writes nothing', async () => {
      const current = await hcp1.api.patientApi.getPatient(patient.id!)
      const again = await hcp1.api.patientApi.giveAccessTo(current, hcp2.dataOwnerId)
      expect(again).toBe(current)
      expect((await hcp1.api.patientApi.getPatient(patient.id!)).rev).toBe(current.rev)
    })

    it('hcp1 creates a healthcare element and shares it with p; p shares it further with hcp2', async () => {
      const description = 'The patient has been diagnosed Pararibulitis'
      healthcareElement = await hcp1.api.healthcareElementApi.createOrModifyHealthcareElement(
        new HealthcareElement({
          description,
          codes: new Set([
            new CodingReference({
              id: 'SNOMEDCT|617|20020131',
              type: 'SNOMEDCT',
              code: '617',
              version: '20020131',
            }),
          ]),
          openingDate: new Date('2019-10-12').getTime(),
        }),
        patient.id,
      )
      expect(healthcareElement.description).toBe(description)
      expect(healthcareElement.healthcareElementId).toBe(healthcareElement.id)
      await expect(p.api.healthcareElementApi.getHealthcareElement(healthcareElement.id!)).rejects.toThrow(
        /^404 - /,
      )
      await hcp1.api.healthcareElementApi.giveAccessTo(
        healthcareElement,
        hcp1.api.dataOwnerApi.getDataOwnerIdOf(p.user),
      )
      await expect(hcp2.api.healthcareElementApi.getHealthcareElement(healthcareElement.id!)).rejects.toThrow(
        /^404 - /,
      )
      const shared = await p.api.healthcareElementApi.giveAccessTo(
        await p.api.healthcareElementApi.getHealthcareElement(healthcareElement.id!),
        p.api.dataOwnerApi.getDataOwnerIdOf(hcp2.user),
      )
      expect(keys(shared.systemMetaData?.delegations)).toEqual(
        [hcp1.dataOwnerId, hcp2.dataOwnerId, p.dataOwnerId].sort(),
      )
      const read = await hcp2.api.healthcareElementApi.getHealthcareElement(healthcareElement.id!)
      expect(read.description).toBe(description)
      expect([...read.codes].map((c) => c.id)).toEqual(['SNOMEDCT|617|20020131'])
      expect(read.openingDate).toBe(new Date('2019-10-12').getTime())
      const forPatient = await hcp2.api.healthcareElementApi.getHealthcareElementsForPatient(
        await hcp2.api.patientApi.getPatient(patient.id!),
      )
      expect(forPatient.map((h) => h.id)).toEqual([healthcareElement.id])
    })

    it('p creates a data sample and shares it with hcp1; hcp1 shares it with hcp2', async () => {
      const contentString = 'Hello world'
      dataSample = await p.api.dataSampleApi.createOrModifyDataSampleFor(
        patient.id!,
        new DataSample({
          labels: new Set([new CodingReference({ type: 'IC-TEST', code: 'TEST' })]),
          content: { en: { stringValue: contentString } },
          openingDate: 20220929083400,
          comment: 'This is a comment',
        }),
      )
      expect(dataSample.content.en.stringValue).toBe(contentString)
      expect(dataSample.comment).toBe('This is a comment')
      expect(dataSample.batchId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
      expect(dataSample.systemMetaData?.secretForeignKeys).toHaveLength(1)
      expect(keys(dataSample.systemMetaData?.cryptedForeignKeys)).toEqual([p.dataOwnerId])
      await expect(hcp1.api.dataSampleApi.getDataSample(dataSample.id!)).rejects.toThrow(/^404 - /)

      await p.api.dataSampleApi.giveAccessTo(dataSample, p.api.dataOwnerApi.getDataOwnerIdOf(hcp1.user))
      await hcp1.api.dataSampleApi.giveAccessTo(
        await hcp1.api.dataSampleApi.getDataSample(dataSample.id!),
        hcp1.api.dataOwnerApi.getDataOwnerIdOf(hcp2.user),
      )
      const read = await hcp2.api.dataSampleApi.getDataSample(dataSample.id!)
      expect(read.content.en.stringValue).toBe(contentString)
      expect(read.comment).toBe('This is a comment')
      expect([...read.labels].map((l) => `${l.type}|${l.code}`)).toEqual(['IC-TEST|TEST'])
      expect(await hcp2.api.dataSampleApi.extractPatientId(read)).toBe(patient.id)
      const forPatient = await hcp2.api.dataSampleApi.getDataSamplesForPatient(
        await hcp2.api.patientApi.getPatient(patient.id!),
      )
      expect(forPatient.map((d) => d.id)).toEqual([dataSample.id])
    })

    it('a patient shares data with another patient (a close relative)', async () => {
      const relative = await newPatient(server, hcp1, 'Sansa')
      const sample = await p.api.dataSampleApi.createOrModifyDataSampleFor(
        patient.id!,
        new DataSample({ content: { en: { stringValue: 'Shared between relatives' } } }),
      )
      await expect(relative.api.dataSampleApi.getDataSample(sample.id!)).rejects.toThrow(/^404 - /)
      await p.api.dataSampleApi.giveAccessTo(sample, relative.dataOwnerId)
      expect((await relative.api.dataSampleApi.getDataSample(sample.id!)).content.en.stringValue).toBe(
        'Shared between relatives',
      )
    })

    it('stores and logs no plaintext of encrypted fields', async () => {
      const ciphertext = (await hcp1.api.patientApi.getPatient(patient.id!)).systemMetaData?.encryptedSelf
      expect(ciphertext).toMatch(/^[A-Za-z0-9+/]{40,}={0,2}$/)
      const leaks = await findPlaintext(server, PLAINTEXTS)
      // Logs carry no payloads either: not even ciphertext.
      expect(server.output()).not.toContain(ciphertext!.slice(0, 40))
      expect(leaks).toEqual([])
      if (backend.databaseUrl) expect(await pgRowCount(server, 'data_sample')).toBeGreaterThanOrEqual(2)
      // The scan can find things: clear fields are stored as sent (names are searchable by design).
      expect((await findPlaintext(server, ['Snow'])).length).toBeGreaterThan(0)
    })
  })
}
