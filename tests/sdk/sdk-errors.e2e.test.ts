import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer } from 'node:net'
import {
  DataSample,
  NoOpFilter,
  HealthcareElement,
  MemoryStorage,
  Patient,
  SdkError,
  SimpleMedTechCryptoStrategies,
  medTechApi,
} from '@cairn/sdk'
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
    const error = await hcp.api.healthcareElementApi
      .createOrModifyHealthcareElement(new HealthcareElement({ note: 'n' }))
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SdkError)
    expect(error).toMatchObject({
      code: 'BAD_REQUEST',
      status: 0,
      message: 'In order to create a new healthcare element, you must provide the patientId',
    })
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
    // A patient the data owner may not read answers as an unknown one (no existence oracle).
    await expect(
      other.api.dataSampleApi.createOrModifyDataSampleFor(patient.id!, new DataSample({ comment: 'x' })),
    ).rejects.toThrow(new RegExp(`^404 - patient ${patient.id!} not found`))
  })

  it('sharing with a data owner that does not exist says so', async () => {
    const current = await hcp.api.patientApi.getPatient(patient.id!)
    await expect(hcp.api.patientApi.giveAccessTo(current, crypto.randomUUID())).rejects.toThrow(
      /^404 - Data owner .* does not exist/,
    )
  })

  it('a server that cannot be reached is a NETWORK error naming the system error, with its cause', async () => {
    // A port that was free a moment ago: nothing listens there, so the connection is refused.
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number }
        probe.close(() => resolve(port))
      })
    })
    const error = await medTechApi()
      .withICureBaseUrl(`http://127.0.0.1:${port}`)
      .withUserName('nobody')
      .withPassword('nothing')
      .withStorage(new MemoryStorage())
      .withCryptoStrategies(new SimpleMedTechCryptoStrategies([]))
      .build()
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SdkError)
    expect(error).toMatchObject({ code: 'NETWORK', status: 0 })
    expect((error as SdkError).message).toMatch(
      /Cannot reach the Cairn server at http:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/,
    )
    expect((error as SdkError).cause).toBeInstanceOf(Error)
  })

  it('MedTech methods that Cairn does not have yet reject with NOT_AVAILABLE naming docs/compatibility.md', async () => {
    const calls: [string, () => Promise<unknown>][] = [
      ['userApi.checkTokenValidity', () => hcp.api.userApi.checkTokenValidity(hcp.user.id!, 'x')],
    ]
    for (const [name, call] of calls) {
      const error = await call().catch((e: unknown) => e)
      expect(error, name).toBeInstanceOf(SdkError)
      expect(error, name).toMatchObject({ code: 'NOT_AVAILABLE', status: 0 })
      expect((error as SdkError).message).toBe(
        `${name} is not available yet in Cairn; see docs/compatibility.md ("Not yet available") for what is planned`,
      )
    }
    expect(NoOpFilter.isNoOp(new NoOpFilter())).toBe(true)
    // Available now, given a spec id and a process id (docs/compatibility.md).
    expect(() => hcp.api.authenticationApi).toThrow(
      "authenticationApi couldn't be initialized. Make sure you provided the following arguments : msgGwUrl, msgGwSpecId, and at least one of authProcessByEmailId and authProcessBySMSId",
    )
  })

  it('saving healthcare elements modifies first (a stale rev saves nothing) and answers in the order given', async () => {
    const [h1] = await hcp.api.healthcareElementApi.createOrModifyHealthcareElements(
      [new HealthcareElement({ note: 'first' })],
      patient.id,
    )
    const fresh = new HealthcareElement({ note: 'created in the mixed batch' })
    const edited = new HealthcareElement({ ...h1, note: 'edited' })
    const saved = await hcp.api.healthcareElementApi.createOrModifyHealthcareElements(
      [fresh, edited],
      patient.id,
    )
    expect(saved.map((h) => h.note)).toEqual(['created in the mixed batch', 'edited'])
    expect(saved[1].id).toBe(h1.id)

    const wouldBeCreated = new HealthcareElement({ id: crypto.randomUUID(), note: 'must not exist' })
    await expect(
      hcp.api.healthcareElementApi.createOrModifyHealthcareElements(
        [wouldBeCreated, new HealthcareElement({ ...h1, note: 'stale' })],
        patient.id,
      ),
    ).rejects.toMatchObject({ status: 409, code: 'CONFLICT' })
    await expect(hcp.api.healthcareElementApi.getHealthcareElement(wouldBeCreated.id!)).rejects.toMatchObject(
      {
        status: 404,
        code: 'NOT_FOUND',
      },
    )
  })

  it('medTechApi(api) copies every setting, message gateway and authentication processes included', async () => {
    const built = await medTechApi()
      .withICureBaseUrl(server.url)
      .withUserName(hcp.login)
      .withPassword(hcp.password)
      .withStorage(new MemoryStorage())
      .withCryptoStrategies(new SimpleMedTechCryptoStrategies([]))
      .withMsgGwUrl(`${server.url}/msggw`)
      .withMsgGwSpecId('cairn-spec')
      .withAuthProcessByEmailId('email-process')
      .withAuthProcessBySmsId('sms-process')
      .build()
    const copy = await medTechApi(built).build()
    expect(copy.settings).toMatchObject({
      baseUrl: server.url,
      username: hcp.login,
      msgGwUrl: `${server.url}/msggw`,
      msgGwSpecId: 'cairn-spec',
      authProcessByEmailId: 'email-process',
      authProcessBySmsId: 'sms-process',
    })
    expect(copy.storage).toBe(built.storage)
    expect(copy.keyStorage).toBe(built.keyStorage)
  })
})
