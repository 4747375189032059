import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DataSample, HealthcareElement, Patient, SdkError } from '@cairn/sdk'
import { disposeServer, startServer, type ServerProcess } from '../support/server-process.ts'
import { newHcp, type Actor } from '../support/actors.ts'

/** Misuse of the SDK fails with a message that says what was wrong, before or at the server. */
describe('SDK errors', () => {
  let server: ServerProcess
  let hcp: Actor
  let patient: Patient

  beforeAll(async () => {
    server = await startServer()
    hcp = await newHcp(server, 'errors')
    patient = await hcp.api.patientApi.createOrModifyPatient(
      new Patient({ firstName: 'E', lastName: 'Rror' }),
    )
  })
  afterAll(() => disposeServer(server))

  it('an id that is not a UUID is refused client side', async () => {
    await expect(
      hcp.api.patientApi.createOrModifyPatient(new Patient({ id: 'patient-1', firstName: 'x' })),
    ).rejects.toThrow('Invalid id, id must be a valid UUID')
  })

  it('a healthcare element needs a patient to be created', async () => {
    await expect(
      hcp.api.healthcareElementApi.createOrModifyHealthcareElement(new HealthcareElement({ note: 'n' })),
    ).rejects.toThrow('In order to create a new healthcare element, you must provide the patientId')
  })

  it('data samples of different batches cannot be saved together', async () => {
    await expect(
      hcp.api.dataSampleApi.createOrModifyDataSamplesFor(patient.id!, [
        new DataSample({ batchId: crypto.randomUUID() }),
        new DataSample({ batchId: crypto.randomUUID() }),
      ]),
    ).rejects.toThrow('Only data samples of a same batch (with the same batchId) can be processed together')
    expect(await hcp.api.dataSampleApi.createOrModifyDataSamplesFor(patient.id!, [])).toEqual([])
  })

  it('an entity that does not exist is a 404; a second create of the same id a 409', async () => {
    const id = crypto.randomUUID()
    const missing = await hcp.api.patientApi.getPatient(id).catch((e: unknown) => e)
    expect(missing).toBeInstanceOf(SdkError)
    expect((missing as SdkError).status).toBe(404)
    expect((missing as SdkError).code).toBe('NOT_FOUND')
    expect((missing as SdkError).requestId).toMatch(/^[0-9a-f-]{36}$/)
    await expect(
      hcp.api.patientApi.createOrModifyPatient(new Patient({ id: patient.id, firstName: 'dup' })),
    ).rejects.toThrow(/^409 - Conflict: .* already exists/)
  })

  it('modifying with a stale rev is a 409 and keeps the stored version', async () => {
    const v2 = await hcp.api.patientApi.createOrModifyPatient(new Patient({ ...patient, note: 'second' }))
    expect(v2.rev).toMatch(/^2-/)
    await expect(
      hcp.api.patientApi.createOrModifyPatient(new Patient({ ...patient, note: 'lost update' })),
    ).rejects.toThrow(/^409 - /)
    expect((await hcp.api.patientApi.getPatient(patient.id!)).note).toBe('second')
  })

  it('data cannot be linked to a patient the data owner has no access to', async () => {
    const other = await newHcp(server, 'stranger')
    await expect(
      other.api.dataSampleApi.createOrModifyDataSampleFor(patient.id!, new DataSample({ comment: 'x' })),
    ).rejects.toThrow(/^403 - Data owner .* has no access to patient/)
  })

  it('sharing with a data owner that does not exist says so', async () => {
    const current = await hcp.api.patientApi.getPatient(patient.id!)
    await expect(hcp.api.patientApi.giveAccessTo(current, crypto.randomUUID())).rejects.toThrow(
      /^404 - Data owner .* does not exist/,
    )
  })
})
