import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  Content,
  DataSample,
  EncryptedPatient,
  HealthcareElement,
  Patient,
  SdkError,
  type MedTechApi,
} from '@cairn/sdk'
import { BACKENDS } from '../support/backends.ts'
import { disposeServer, startServer, type ServerProcess } from '../support/server-process.ts'
import { newHcp, newPatient, type Actor } from '../support/actors.ts'
import { rawSql, type RawSql } from '../accounts/accounts-support.ts'
import { uuid } from '../access/http.ts'

/**
 * Deleting patients, data samples and healthcare elements through the SDK, on each storage backend:
 * MedTech's return values (ids for patients and samples, the rev for elements), the tombstone left in
 * the database, the entity gone from gets and lists with the answer of an unknown id, who may delete,
 * batches all or nothing, and the server's check of a sample's links to healthcare elements.
 */

/** The SdkError a call rejects with (the test fails if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<SdkError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(SdkError)
  return error as SdkError
}

/** A stored row as the operator sees it (SQLite returns `deleted` as 0/1, PostgreSQL as a number too). */
interface Row {
  rev: string
  doc: string
  deleted: number | boolean
}

for (const backend of BACKENDS) {
  describe.skipIf(!backend.enabled)(`deleting encrypted entities (${backend.name})`, () => {
    let server: ServerProcess
    let sql: RawSql
    let hcpA: Actor
    let hcpB: Actor
    let patient: Patient

    const row = async (table: string, id: string): Promise<Row> => {
      const [found] = await sql.query<Row>(`select rev, doc, deleted from ${table} where id = ?`, [id])
      return found
    }
    const samplesOf = (api: MedTechApi, p: Patient) => api.dataSampleApi.getDataSamplesForPatient(p)
    const newSample = (api: MedTechApi, value: string, extra: Partial<DataSample> = {}) =>
      api.dataSampleApi.createOrModifyDataSampleFor(
        patient.id!,
        new DataSample({ content: { en: new Content({ stringValue: value }) }, ...extra }),
      )

    beforeAll(async () => {
      server = await startServer({ databaseUrl: backend.databaseUrl })
      sql = await rawSql(server)
      ;[hcpA, hcpB] = await Promise.all([newHcp(server, 'deleter-a'), newHcp(server, 'deleter-b')])
      patient = await hcpA.api.patientApi.createOrModifyPatient(
        new Patient({ firstName: 'Del', lastName: 'Etable', note: 'kept' }),
      )
    })
    afterAll(async () => {
      await sql?.close()
      await disposeServer(server)
    })

    it('deletePatient returns the id and leaves a tombstone without content; the patient is then unknown', async () => {
      const doomed = await hcpA.api.patientApi.createOrModifyPatient(
        new Patient({ firstName: 'Gone', lastName: 'Soon', note: 'a secret note' }),
      )
      expect(await hcpA.api.patientApi.deletePatient(doomed.id!)).toBe(doomed.id)

      const stored = await row('patient', doomed.id!)
      expect(Number(stored.deleted)).toBe(1)
      expect(stored.rev).toMatch(/^2-/)
      const tombstone = JSON.parse(stored.doc) as Record<string, unknown>
      expect(Object.keys(tombstone).sort()).toEqual(['created', 'deletionDate', 'id', 'modified', 'rev'])
      expect(tombstone.rev).toBe(stored.rev)
      expect(await sql.query('select * from patient_access where entity_id = ?', [doomed.id])).toEqual([])

      const notFound = `404 - patient ${doomed.id} not found`
      expect((await rejection(hcpA.api.patientApi.getPatient(doomed.id!))).message).toMatch(notFound)
      expect((await rejection(hcpA.api.patientApi.deletePatient(doomed.id!))).message).toMatch(notFound)
      // A modification of the old revision is told the same, and its id is never given again.
      const stale = await rejection(hcpA.api.patientApi.createOrModifyPatient(doomed))
      expect(stale.status).toBe(404)
      const reuse = await rejection(
        hcpA.api.patientApi.createOrModifyPatient(new Patient({ id: doomed.id, firstName: 'Again' })),
      )
      expect(reuse.status).toBe(409)
    })

    it('deleteDataSample and deleteDataSamples return the ids; the samples leave gets and lists', async () => {
      const [one, two, three, kept] = await Promise.all(
        ['one', 'two', 'three', 'kept'].map((v) => newSample(hcpA.api, v)),
      )
      expect(await hcpA.api.dataSampleApi.deleteDataSample(one.id!)).toBe(one.id)
      expect(await hcpA.api.dataSampleApi.deleteDataSamples([three.id!, two.id!])).toEqual([three.id, two.id])
      expect(await hcpA.api.dataSampleApi.deleteDataSamples([])).toEqual([])

      const listed = (await samplesOf(hcpA.api, patient)).map((s) => s.id)
      expect(listed).toContain(kept.id)
      for (const gone of [one, two, three]) {
        expect(listed).not.toContain(gone.id)
        const e = await rejection(hcpA.api.dataSampleApi.getDataSample(gone.id!))
        expect(e.message).toMatch(`404 - dataSample ${gone.id} not found`)
        expect(Number((await row('data_sample', gone.id!)).deleted)).toBe(1)
      }
    })

    it('deleteHealthcareElement returns the rev of the deletion; the element leaves gets and lists', async () => {
      const [he, kept] = await Promise.all(
        ['Asthma', 'Kept'].map((description) =>
          hcpA.api.healthcareElementApi.createOrModifyHealthcareElement(
            new HealthcareElement({ description }),
            patient.id,
          ),
        ),
      )
      const rev = await hcpA.api.healthcareElementApi.deleteHealthcareElement(he.id!)
      expect(rev).toMatch(/^2-/)
      expect((await row('healthcare_element', he.id!)).rev).toBe(rev)
      const listed = await hcpA.api.healthcareElementApi.getHealthcareElementsForPatient(patient)
      expect(listed.map((h) => h.id)).toEqual([kept.id])
      const e = await rejection(hcpA.api.healthcareElementApi.getHealthcareElement(he.id!))
      expect(e.message).toMatch(`404 - healthcareElement ${he.id} not found`)
      expect((await rejection(hcpA.api.healthcareElementApi.deleteHealthcareElement(he.id!))).status).toBe(
        404,
      )
    })

    it('only delegates delete: anyone else is answered as for an unknown id, and nothing is deleted', async () => {
      const sample = await newSample(hcpA.api, 'not for B')
      const unknown = uuid()
      const refused = await rejection(hcpB.api.dataSampleApi.deleteDataSample(sample.id!))
      const missing = await rejection(hcpB.api.dataSampleApi.deleteDataSample(unknown))
      expect(refused.status).toBe(404)
      expect(refused.serverMessage).toBe(`dataSample ${sample.id} not found`)
      expect(missing.serverMessage).toBe(`dataSample ${unknown} not found`)
      expect((await hcpA.api.dataSampleApi.getDataSample(sample.id!)).id).toBe(sample.id)

      // Once shared with B, B may delete it too (every delegate may).
      const shared = await hcpA.api.dataSampleApi.giveAccessTo(sample, hcpB.dataOwnerId)
      expect(await hcpB.api.dataSampleApi.deleteDataSample(shared.id!)).toBe(sample.id)
      expect((await rejection(hcpA.api.dataSampleApi.getDataSample(sample.id!))).status).toBe(404)
    })

    it('lets exactly one of parallel deletions of a sample succeed; the others are told it is unknown', async () => {
      const sample = await newSample(hcpA.api, 'raced')
      const outcomes = await Promise.allSettled(
        Array.from({ length: 4 }, () => hcpA.api.dataSampleApi.deleteDataSample(sample.id!)),
      )
      expect(outcomes.filter((o) => o.status === 'fulfilled').map((o) => o.value)).toEqual([sample.id])
      for (const o of outcomes.filter((x) => x.status === 'rejected'))
        expect((o.reason as SdkError).serverMessage).toBe(`dataSample ${sample.id} not found`)
    })

    it('deletes a batch all or nothing: one id the caller may not delete keeps every sample', async () => {
      const mine = await Promise.all(['x', 'y'].map((v) => newSample(hcpA.api, v)))
      const notMine = await hcpB.api.patientApi
        .createOrModifyPatient(new Patient({ firstName: 'Other' }))
        .then((p) =>
          hcpB.api.dataSampleApi.createOrModifyDataSampleFor(
            p.id!,
            new DataSample({ content: { en: new Content({ stringValue: 'b' }) } }),
          ),
        )
      const e = await rejection(
        hcpA.api.dataSampleApi.deleteDataSamples([mine[0].id!, notMine.id!, mine[1].id!]),
      )
      expect(e.serverMessage).toBe(`dataSample ${notMine.id} not found`)
      for (const s of mine) expect((await hcpA.api.dataSampleApi.getDataSample(s.id!)).id).toBe(s.id)
      expect((await hcpB.api.dataSampleApi.getDataSample(notMine.id!)).id).toBe(notMine.id)
      const twice = await rejection(hcpA.api.dataSampleApi.deleteDataSamples([mine[0].id!, mine[0].id!]))
      expect(twice.serverMessage).toBe(`Duplicate id ${mine[0].id} in the batch`)
    })

    it('refuses to delete a patient its user acts as, naming the user; once the user is deleted its keys stay readable', async () => {
      const pat = await newPatient(server, hcpA, 'Withuser')
      const e = await rejection(hcpA.api.patientApi.deletePatient(pat.dataOwnerId))
      expect(e.status).toBe(409)
      expect(e.serverMessage).toBe(
        `patient ${pat.dataOwnerId} is the data owner of user ${pat.user.id}: delete that user first (DELETE /user/${pat.user.id})`,
      )
      await hcpA.api.userApi.deleteUser(pat.user.id!)
      expect(await hcpA.api.patientApi.deletePatient(pat.dataOwnerId)).toBe(pat.dataOwnerId)

      // Its public keys stay published (what it signed must still verify), nothing else does, not
      // even to the professional that read the whole record before.
      const owner = await hcpA.api.dataOwnerApi.getDataOwner(pat.dataOwnerId)
      expect(owner.type).toBe('Patient')
      expect(owner.dataOwner).toBeInstanceOf(EncryptedPatient)
      expect(owner.dataOwner.deletionDate).toEqual(expect.any(Number))
      expect((owner.dataOwner as EncryptedPatient).firstName).toBeUndefined()
      expect(hcpA.api.dataOwnerApi.getPublicKeysOf(owner)).toHaveLength(1)
    })

    it('links a sample only to healthcare elements that exist and that the caller reads (MedTech message)', async () => {
      const [linked, toDelete] = await Promise.all(
        ['Linked', 'Deleted later'].map((description) =>
          hcpA.api.healthcareElementApi.createOrModifyHealthcareElement(
            new HealthcareElement({ description }),
            patient.id,
          ),
        ),
      )
      const bPatient = await hcpB.api.patientApi.createOrModifyPatient(new Patient({ firstName: 'B' }))
      const notReadable = await hcpB.api.healthcareElementApi.createOrModifyHealthcareElement(
        new HealthcareElement({ description: 'B only' }),
        bPatient.id,
      )
      const unknown = uuid()
      const refused = await rejection(
        newSample(hcpA.api, 'bad links', {
          healthcareElementIds: new Set([linked.id!, unknown, notReadable.id!]),
        }),
      )
      expect(refused.code).toBe('BAD_REQUEST')
      expect(refused.status).toBe(400)
      expect(refused.message).toBe(
        `Health elements ${unknown},${notReadable.id} do not exist or user ${hcpA.user.id} may not access them`,
      )

      const sample = await newSample(hcpA.api, 'good links', {
        healthcareElementIds: new Set([linked.id!, toDelete.id!]),
      })
      expect([...sample.healthcareElementIds!].sort()).toEqual([linked.id, toDelete.id].sort())
      await hcpA.api.healthcareElementApi.deleteHealthcareElement(toDelete.id!)
      // A link already stored stays through later modifications; a new link to a deleted element does not.
      const modified = await hcpA.api.dataSampleApi.createOrModifyDataSampleFor(
        patient.id!,
        new DataSample({ ...sample, comment: 'still linked' }),
      )
      expect(modified.rev).toMatch(/^2-/)
      const relink = await rejection(
        newSample(hcpA.api, 'to a deleted element', { healthcareElementIds: new Set([toDelete.id!]) }),
      )
      expect(relink.message).toBe(
        `Health elements ${toDelete.id} do not exist or user ${hcpA.user.id} may not access them`,
      )
      // Modifying a sample to add such a link is refused the same way, and changes nothing.
      const added = await rejection(
        hcpA.api.dataSampleApi.createOrModifyDataSampleFor(
          patient.id!,
          new DataSample({ ...modified, healthcareElementIds: new Set([linked.id!, notReadable.id!]) }),
        ),
      )
      expect(added.status).toBe(400)
      expect((await hcpA.api.dataSampleApi.getDataSample(sample.id!)).rev).toBe(modified.rev)
    })
  })
}
