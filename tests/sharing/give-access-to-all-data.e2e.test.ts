import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  DataSample,
  HealthcareElement,
  Patient,
  SdkError,
  SharingError,
  type SharingProgress,
  type SharingResult,
} from '@cairn/sdk'
import { BACKENDS } from '../support/backends.ts'
import { disposeServer, startServer, type ServerProcess } from '../support/server-process.ts'
import { newHcp, newPatient, type Actor } from '../support/actors.ts'

/**
 * `patientApi.giveAccessToAllDataOf(patientId)` end to end (MedTech's answer to a patient asking for
 * its existing data): a professional A holds a patient record, 30 data samples and 5 healthcare
 * elements of a patient P, and one sample another professional B shared with A under a key B has
 * revoked since (A reads it but cannot open its key). B also has a sample of P it never shared. A small
 * batch size makes the call go through several pages and batch writes.
 */
const SAMPLES = 30
const ELEMENTS = 5
const BATCH = 4

const statusOf = (r: SharingResult) => ({
  patient: r.statuses.patient && { ...r.statuses.patient },
  dataSamples: r.statuses.dataSamples && { ...r.statuses.dataSamples, error: null },
  healthcareElements: r.statuses.healthcareElements && { ...r.statuses.healthcareElements },
})

for (const backend of BACKENDS) {
  describe.skipIf(!backend.enabled)(`patientApi.giveAccessToAllDataOf (${backend.name})`, () => {
    let server: ServerProcess
    let a: Actor
    let b: Actor
    let p: Actor
    let samples: DataSample[]
    let elements: HealthcareElement[]
    let sharedByB: DataSample
    let privateOfB: DataSample
    let first: SharingResult
    const progress: SharingProgress[] = []

    beforeAll(async () => {
      server = await startServer({ databaseUrl: backend.databaseUrl })
      a = await newHcp(server, 'doctor-a')
      b = await newHcp(server, 'doctor-b')
      // A creates P's record and a user for it; P logs in once (its key pair is made on its side).
      p = await newPatient(server, a, 'Lyanna')
      const pid = p.dataOwnerId
      samples = []
      for (let batch = 0; batch < 3; batch++) {
        samples.push(
          ...(await a.api.dataSampleApi.createOrModifyDataSamplesFor(
            pid,
            Array.from(
              { length: SAMPLES / 3 },
              (_, i) =>
                new DataSample({
                  content: { en: { stringValue: `reading ${batch * 10 + i}` } },
                  comment: `comment ${batch * 10 + i}`,
                }),
            ),
          )),
        )
      }
      elements = await a.api.healthcareElementApi.createOrModifyHealthcareElements(
        Array.from(
          { length: ELEMENTS },
          (_, i) => new HealthcareElement({ description: `condition ${i}`, note: `note ${i}` }),
        ),
        pid,
      )

      // B gets the record, shares one sample of P with A and keeps another to itself; then B rotates
      // its key and revokes the one that signed its exchange key to A, which A never opened.
      await a.api.patientApi.giveAccessTo(await a.api.patientApi.getPatient(pid), b.dataOwnerId)
      ;[sharedByB] = await b.api.dataSampleApi.createOrModifyDataSamplesFor(pid, [
        new DataSample({ content: { en: { stringValue: 'from B, shared with A' } } }),
      ])
      sharedByB = await b.api.dataSampleApi.giveAccessTo(sharedByB, a.dataOwnerId)
      ;[privateOfB] = await b.api.dataSampleApi.createOrModifyDataSamplesFor(pid, [
        new DataSample({ content: { en: { stringValue: 'B only' } } }),
      ])
      const [oldKey] = await b.api.dataOwnerApi.getFingerprints(b.dataOwnerId)
      await b.api.dataOwnerApi.rotateKeyPair()
      await b.api.dataOwnerApi.revokeKey(oldKey.fingerprint)
      await a.api.forceReload()
    })
    afterAll(() => disposeServer(server))

    it('the patient cannot read its data before', async () => {
      await expect(p.api.patientApi.getPatient(p.dataOwnerId)).rejects.toThrow(/Could not decrypt patient/)
      for (const s of [samples[0], samples[SAMPLES - 1]])
        await expect(p.api.dataSampleApi.getDataSample(s.id!)).rejects.toThrow(/^404 - /)
      await expect(p.api.healthcareElementApi.getHealthcareElement(elements[0].id!)).rejects.toThrow(
        /^404 - /,
      )
    })

    it('shares the record, every sample and element A can read, and reports the one it cannot share', async () => {
      first = await a.api.patientApi.giveAccessToAllDataOf(p.dataOwnerId, {
        batchSize: BATCH,
        onProgress: (x) => progress.push(x),
      })
      expect(first.patient?.id).toBe(p.dataOwnerId)
      expect(first.patient?.firstName).toBe('Lyanna')
      expect(Object.keys(first.patient!.systemMetaData!.encryptionKeys)).toContain(p.dataOwnerId)
      expect(statusOf(first)).toEqual({
        patient: { success: true, error: null, modified: 1 },
        dataSamples: { success: false, error: null, modified: SAMPLES },
        healthcareElements: { success: true, error: null, modified: ELEMENTS },
      })
      const error = first.statuses.dataSamples!.error as SharingError
      expect(error).toBeInstanceOf(SharingError)
      expect(error).toBeInstanceOf(SdkError)
      expect(error.code).toBe('DECRYPTION')
      expect(error.failures.map((f) => f.entityId)).toEqual([sharedByB.id])
      expect(error.message).toContain(
        `Could not share 1 dataSamples with patient ${p.dataOwnerId}: ${sharedByB.id}`,
      )
    })

    it('reports progress that only goes up and ends at the total (the sample A cannot read is not counted)', () => {
      // 1 patient + 31 samples A can read (B's private one is not among them) + 5 elements.
      const total = 1 + SAMPLES + 1 + ELEMENTS
      expect(progress.at(-1)).toEqual({ done: total, total, phase: 'healthcareElements' })
      expect(progress[0]).toEqual({ done: 1, total, phase: 'patient' })
      for (let i = 1; i < progress.length; i++) {
        expect(progress[i].done).toBeGreaterThanOrEqual(progress[i - 1].done)
        expect(progress[i].done).toBeLessThanOrEqual(progress[i].total)
      }
      // One report per page: 31 samples in pages of 4, 5 elements in pages of 4.
      expect(progress.filter((x) => x.phase === 'dataSamples')).toHaveLength(Math.ceil((SAMPLES + 1) / BATCH))
      expect(progress.filter((x) => x.phase === 'healthcareElements')).toHaveLength(
        Math.ceil(ELEMENTS / BATCH),
      )
    })

    it('the patient reads everything after a reload, and nothing A could not share', async () => {
      await p.api.forceReload()
      const patient = await p.api.patientApi.getPatient(p.dataOwnerId)
      expect(patient.lastName).toBe('Patient')
      const read = await p.api.dataSampleApi.getDataSamplesForPatient(patient)
      expect(read.map((s) => s.id).sort()).toEqual(samples.map((s) => s.id).sort())
      const byId = new Map(read.map((s) => [s.id, s]))
      for (const s of samples) {
        expect(byId.get(s.id)?.content.en.stringValue).toBe(s.content.en.stringValue)
        expect(byId.get(s.id)?.comment).toBe(s.comment)
      }
      const one = await p.api.dataSampleApi.getDataSample(samples[7].id!)
      expect(one.content.en.stringValue).toBe(samples[7].content.en.stringValue)
      expect(one.systemMetaData?.writer).toEqual({ dataOwnerId: a.dataOwnerId, verified: true })
      const hes = await p.api.healthcareElementApi.getHealthcareElementsForPatient(patient)
      expect(hes.map((h) => h.note).sort()).toEqual(elements.map((h) => h.note).sort())
      expect(hes.map((h) => h.description).sort()).toEqual(elements.map((h) => h.description).sort())
      await expect(p.api.dataSampleApi.getDataSample(sharedByB.id!)).rejects.toThrow(/^404 - /)
      await expect(p.api.dataSampleApi.getDataSample(privateOfB.id!)).rejects.toThrow(/^404 - /)
    })

    it('a second call shares nothing new, writes nothing and does not fail', async () => {
      const revs = async () => {
        const patient = await a.api.patientApi.getPatient(p.dataOwnerId)
        const ds = await a.api.dataSampleApi.getDataSamplesForPatient(patient)
        const he = await a.api.healthcareElementApi.getHealthcareElementsForPatient(patient)
        return [patient, ...ds, ...he].map((e) => `${e.id}:${e.rev}`).sort()
      }
      const before = await revs()
      const calls: SharingProgress[] = []
      const again = await a.api.patientApi.giveAccessToAllDataOf(p.dataOwnerId, {
        batchSize: BATCH,
        onProgress: (x) => calls.push(x),
      })
      expect(statusOf(again)).toEqual({
        patient: { success: true, error: null, modified: 0 },
        dataSamples: { success: false, error: null, modified: 0 },
        healthcareElements: { success: true, error: null, modified: 0 },
      })
      expect((again.statuses.dataSamples!.error as SharingError).failures.map((f) => f.entityId)).toEqual([
        sharedByB.id,
      ])
      expect(again.patient?.rev).toBe(first.patient?.rev)
      expect(await revs()).toEqual(before)
      expect(calls.at(-1)).toEqual(progress.at(-1))
      // The default batch size gives the same answer.
      const third = await a.api.patientApi.giveAccessToAllDataOf(p.dataOwnerId)
      expect(statusOf(third)).toEqual(statusOf(again))
    })

    it('an unknown patient, or one not shared with the caller, is a 404; bad options are refused', async () => {
      const unknown = crypto.randomUUID()
      await expect(a.api.patientApi.giveAccessToAllDataOf(unknown)).rejects.toThrow(
        new RegExp(`^404 - patient ${unknown} not found`),
      )
      const ofB = await b.api.patientApi.createOrModifyPatient(
        new Patient({ firstName: 'Only', lastName: 'B' }),
      )
      await expect(a.api.patientApi.giveAccessToAllDataOf(ofB.id!)).rejects.toThrow(
        new RegExp(`^404 - patient ${ofB.id} not found`),
      )
      for (const batchSize of [0, 101, 2.5]) {
        const e = await a.api.patientApi
          .giveAccessToAllDataOf(p.dataOwnerId, { batchSize })
          .catch((x: unknown) => x)
        expect(e).toBeInstanceOf(SdkError)
        expect(e).toMatchObject({ code: 'BAD_REQUEST' })
        expect((e as SdkError).message).toBe(`batchSize must be an integer from 1 to 100 (got ${batchSize})`)
      }
    })

    it('a patient that never logged in has no key to share with: a clear error, nothing written', async () => {
      const q = await a.api.patientApi.createOrModifyPatient(
        new Patient({ firstName: 'No', lastName: 'User' }),
      )
      await a.api.dataSampleApi.createOrModifyDataSampleFor(q.id!, new DataSample({ comment: 'x' }))
      await expect(a.api.patientApi.giveAccessToAllDataOf(q.id!)).rejects.toThrow(
        `Data owner ${q.id} has no public key yet: it must log in once before data can be shared with it`,
      )
      expect((await a.api.patientApi.getPatient(q.id!)).rev).toBe(q.rev)
    })
  })
}
