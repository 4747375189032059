import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DataSample, Patient, SdkError } from '@cairn/sdk'
import { DEFAULT_BODY_LIMIT, MAX_BATCH_SIZE, MAX_ENCRYPTED_SELF_LENGTH } from '@cairn/protocol'
import { disposeServer, startServer, type ServerProcess } from '../support/server-process.ts'
import { newHcp, type Actor } from '../support/actors.ts'

/**
 * The server keeps requests small (docs/limits.md) so that none holds up the others; the SDK cuts
 * what an app saves into requests that fit, by count and by size, so apps never see the limits
 * unless a single entity is too large.
 */
describe('body limits through the SDK', () => {
  let server: ServerProcess
  let hcp: Actor
  let patient: Patient

  beforeAll(async () => {
    server = await startServer()
    hcp = await newHcp(server, 'limits')
    patient = await hcp.api.patientApi.createOrModifyPatient(
      new Patient({ firstName: 'Big', lastName: 'Data' }),
    )
  })
  afterAll(() => disposeServer(server))

  /** `n` samples of one batch, each with a comment of `bytes` characters. */
  const samples = (n: number, bytes: number) => {
    const batchId = crypto.randomUUID()
    return Array.from(
      { length: n },
      (_, i) => new DataSample({ batchId, comment: `${i}:`.padEnd(bytes, 'x'), index: i }),
    )
  }

  it('creates more entities than fit in one request, by count and by size', async () => {
    // 2.5 batches by count; with 8 kB comments (about 14 kB encrypted each) also several by size.
    for (const [n, bytes] of [
      [MAX_BATCH_SIZE * 2 + MAX_BATCH_SIZE / 2, 10],
      [150, 8000],
    ]) {
      const saved = await hcp.api.dataSampleApi.createOrModifyDataSamplesFor(patient.id!, samples(n, bytes))
      expect(saved).toHaveLength(n)
      expect(saved.map((s) => s.comment?.split(':')[0])).toEqual(
        Array.from({ length: n }, (_, i) => String(i)),
      )
    }
    expect(await hcp.api.dataSampleApi.getDataSamplesForPatient(patient)).toHaveLength(400)
  })

  it('refuses an entity larger than one request before encrypting or sending anything, naming the limit', async () => {
    const before = (await hcp.api.dataSampleApi.getDataSamplesForPatient(patient)).length
    const batch = samples(3, 10)
    // 4 MB of content: encrypting it and its neighbours would take time for nothing.
    batch[2].comment = 'x'.repeat(8 * DEFAULT_BODY_LIMIT)
    const started = performance.now()
    const error = await hcp.api.dataSampleApi
      .createOrModifyDataSamplesFor(patient.id!, batch)
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SdkError)
    expect(error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', status: 0 })
    // Told from the clear content, before encryption (the check after encryption says "once encrypted").
    expect((error as SdkError).message).toMatch(
      new RegExp(
        `^dataSample \\S+: its encrypted fields are \\d+ bytes before encryption, .* more than the ${MAX_ENCRYPTED_SELF_LENGTH} characters`,
      ),
    )
    expect(performance.now() - started).toBeLessThan(2_000)
    // Modifying an entity into one too large is refused the same way.
    const [saved] = await hcp.api.dataSampleApi.createOrModifyDataSamplesFor(patient.id!, samples(1, 10))
    saved.comment = 'x'.repeat(8 * DEFAULT_BODY_LIMIT)
    await expect(hcp.api.dataSampleApi.createOrModifyDataSamplesFor(patient.id!, [saved])).rejects.toThrow(
      /before encryption/,
    )
    expect(await hcp.api.dataSampleApi.getDataSamplesForPatient(patient)).toHaveLength(before + 1)
  })

  it('refuses content whose encryptedSelf would pass the body limit but not its own (the server would answer 413)', async () => {
    // About 386 kB of content: about 515,000 characters encrypted, over MAX_ENCRYPTED_SELF_LENGTH
    // (512,000) while the request (about 517 kB) would still be under the body limit (524,288).
    const [one] = samples(1, 386_000)
    const error = await hcp.api.dataSampleApi
      .createOrModifyDataSamplesFor(patient.id!, [one])
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', status: 0 })
    expect((error as SdkError).message).toContain(`more than the ${MAX_ENCRYPTED_SELF_LENGTH} characters`)
    // Under both limits: saved.
    const [fits] = samples(1, 300_000)
    expect(await hcp.api.dataSampleApi.createOrModifyDataSamplesFor(patient.id!, [fits])).toHaveLength(1)
  })

  it('against a server with a smaller limit, batches answered 413 are sent in halves', async () => {
    const small = await startServer({ env: { CAIRN_BODY_LIMIT: String(64 * 1024) } })
    try {
      const other = await newHcp(small, 'small-limit')
      const p = await other.api.patientApi.createOrModifyPatient(new Patient({ firstName: 'Small' }))
      const saved = await other.api.dataSampleApi.createOrModifyDataSamplesFor(p.id!, samples(60, 2000))
      expect(saved).toHaveLength(60)
      expect(await other.api.dataSampleApi.getDataSamplesForPatient(p)).toHaveLength(60)
    } finally {
      await disposeServer(small)
    }
  })
})
