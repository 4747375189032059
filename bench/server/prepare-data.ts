import { Patient } from '@cairn/sdk'
import type { EncryptedEntityDto } from '@cairn/protocol'
import { newHcp, newPatient } from '../../tests/support/actors.ts'
import type { ServerProcess } from '../../tests/support/server-process.ts'
import { bearerToken, makeSamples } from '../fixture.ts'

/** What the load scenarios need: ids to read, a create template, a data owner with 100+ patients, a token. */
export interface Prepared {
  /** Data samples created through the SDK, read by the GET scenario in turn. */
  sampleIds: string[]
  /**
   * A real encrypted data sample as the SDK sends it (server-set fields removed), with
   * {@link idPlaceholder} as its id: the create scenario posts it with a fresh UUID each time. Its
   * delegations are the real ones of `hcpId`, so the server accepts every copy as that HCP's.
   */
  createTemplate: string
  idPlaceholder: string
  /** The healthcare professional every request acts as. */
  hcpId: string
  /** Its access token (1 h by default: longer than any run). */
  token: string
}

/** Samples read in turn by the GET scenario: more than one, so no single row stays hot in every cache. */
const SAMPLES = 1000
/** Patients of the HCP: the listing reads pages of 100 of them; 250 so that the count is not trivial. */
const PATIENTS = 250
/** Patient creations in flight during preparation (one SDK instance; only speeds the set-up up). */
const PREPARE_IN_FLIGHT = 8
const SERVER_FIELDS = ['rev', 'created', 'modified', 'author', 'responsible'] as const

/**
 * Creates the data of every scenario through the real SDK (client-side encryption, real delegations):
 * an HCP, a patient of it with {@link SAMPLES} encrypted data samples, and {@link PATIENTS} more patients.
 */
export async function prepareData(server: ServerProcess): Promise<Prepared> {
  const hcp = await newHcp(server, 'bench-hcp')
  const patient = await newPatient(server, hcp, 'Bench')
  const samples = await hcp.api.dataSampleApi.createOrModifyDataSamplesFor(
    patient.dataOwnerId,
    makeSamples(0, SAMPLES),
  )
  // newPatient created one patient record already.
  const toCreate = Array.from({ length: PATIENTS - 1 }, (_, i) => i)
  while (toCreate.length > 0) {
    await Promise.all(
      toCreate
        .splice(0, PREPARE_IN_FLIGHT)
        .map((i) =>
          hcp.api.patientApi.createOrModifyPatient(new Patient({ firstName: `P${i}`, lastName: 'Bench' })),
        ),
    )
  }
  const token = await bearerToken(server.url, hcp)
  const res = await fetch(`${server.url}/rest/v1/datasample/${samples[0].id!}`, {
    headers: { authorization: `Bearer ${token}` },
  })
  if (!res.ok) throw new Error(`GET datasample: ${res.status}`)
  const doc = (await res.json()) as EncryptedEntityDto & Record<string, unknown>
  for (const f of SERVER_FIELDS) delete doc[f]
  const idPlaceholder = '00000000-0000-4000-8000-00000000id00'
  return {
    sampleIds: samples.map((s) => s.id!),
    createTemplate: JSON.stringify({ ...doc, id: idPlaceholder }),
    idPlaceholder,
    hcpId: hcp.dataOwnerId,
    token,
  }
}
