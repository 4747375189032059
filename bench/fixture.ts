import {
  CodingReference,
  Content,
  DataSample,
  Measure,
  Patient,
  rsaOperationCount,
  resetRsaOperationCount,
} from '@cairn/sdk'
import type { EncryptedEntityDto } from '@cairn/protocol'
import { newHcp, newPatient, type Actor } from '../tests/support/actors.ts'
import type { ServerProcess } from '../tests/support/server-process.ts'

/** The actors and records every phase works with, after the first contacts of every pair. */
export interface Fixture {
  server: ServerProcess
  /** Creator of the samples; shares them in phase (c). */
  hcp1: Actor
  /** Auto-share delegate. */
  hcp2: Actor
  /** The patient: auto-share delegate and reader of phase (b). */
  p: Actor
  /** The new delegate of phase (c). */
  hcp3: Actor
  /** Id of the patient record the samples belong to (the record of `p`). */
  patientId: string
  /** Another patient of hcp1, used by the warm-up and by profiling re-runs of phase (a). */
  otherPatientId: string
  /** The patient record as `p` reads it (argument of `getDataSamplesForPatient`). */
  patientAsReader: Patient
  /** A real encrypted sample as the SDK sends it (server fields removed), cloned by the baseline. */
  template: EncryptedEntityDto
  /** The entries one real share adds for `hcp3` (reused by the baseline, re-addressed to each entity). */
  shareEntries: ShareEntries
  /** RSA operations of every first contact (setup and warm-up), counted apart from the phases. */
  firstContactRsa: number
}

/** Delegation entries added by one share, per map of `systemMetaData`. */
export type ShareEntries = Record<'delegations' | 'encryptionKeys' | 'cryptedForeignKeys', unknown[]>

/** Fields the server sets on a stored document and the SDK never sends on create. */
const SERVER_FIELDS = ['rev', 'created', 'modified', 'author', 'responsible'] as const

/** A heart-rate sample: clear codes, labels, dates; encrypted content and comment (~3.3 kB stored). */
export function makeSample(i: number): DataSample {
  return new DataSample({
    labels: new Set([new CodingReference({ type: 'LOINC', code: '8867-4', version: '2.74' })]),
    codes: new Set([new CodingReference({ type: 'SNOMEDCT', code: '364075005', version: '20240301' })]),
    content: {
      en: new Content({
        measureValue: new Measure({ value: 55 + (i % 50), unit: 'bpm', min: 40, max: 180 }),
      }),
    },
    comment: `Resting heart rate, measurement #${i}, taken by the patient's wearable`,
    valueDate: 20261123080000 + (i % 60),
  })
}

/** `n` samples numbered from `from`. */
export function makeSamples(from: number, n: number): DataSample[] {
  return Array.from({ length: n }, (_, k) => makeSample(from + k))
}

/**
 * Creates the actors, turns on automatic sharing to hcp2 and p, and makes every first contact the
 * phases need (exchange keys hcp1->hcp1/hcp2/p/hcp3, opened by p) on a warm-up patient, so that the
 * measured phases start with warm key caches and a JIT-warm server. Warm-up data belongs to another
 * patient, so it is not read in phase (b).
 */
export async function setUp(server: ServerProcess, warmup: number): Promise<Fixture> {
  resetRsaOperationCount()
  const hcp1 = await newHcp(server, 'hcp1')
  const hcp2 = await newHcp(server, 'hcp2')
  const hcp3 = await newHcp(server, 'hcp3')
  const p = await newPatient(server, hcp1, 'Pat')
  await hcp1.api.userApi.shareAllFutureDataWith([hcp2.dataOwnerId, p.dataOwnerId], 'medicalInformation')

  // The patient record of p (created by hcp1): shared with p so that p reads hcp1's secret id.
  const record = await hcp1.api.patientApi.getPatient(p.dataOwnerId)
  await hcp1.api.patientApi.giveAccessTo(record, p.dataOwnerId)
  const patientAsReader = await p.api.patientApi.getPatient(p.dataOwnerId)
  // p reads its own record's secret ids, one of which p wrapped for itself at login: first use of K(p->p).
  await p.api.dataSampleApi.getDataSamplesForPatient(patientAsReader)

  // Warm-up on another patient: create, read back as p, share with hcp3.
  const other = await hcp1.api.patientApi.createOrModifyPatient(
    new Patient({ firstName: 'Warm', lastName: 'Up' }),
  )
  const shared = await hcp1.api.patientApi.giveAccessTo(other, p.dataOwnerId)
  const created = await hcp1.api.dataSampleApi.createOrModifyDataSamplesFor(other.id!, makeSamples(0, warmup))
  const read = await p.api.dataSampleApi.getDataSamplesForPatient(
    await p.api.patientApi.getPatient(shared.id!),
  )
  if (read.length !== warmup) throw new Error(`warm-up: p read ${read.length} of ${warmup} samples`)
  const sharedSamples = await Promise.all(
    created.slice(0, 50).map((s) => hcp1.api.dataSampleApi.giveAccessTo(s, hcp3.dataOwnerId)),
  )

  const template = stripServerFields(await wireDoc(hcp1, created[created.length - 1].id!))
  const after = await wireDoc(hcp1, sharedSamples[0].id!)
  const shareEntries: ShareEntries = {
    delegations: after.systemMetaData.delegations[hcp3.dataOwnerId] ?? [],
    encryptionKeys: after.systemMetaData.encryptionKeys[hcp3.dataOwnerId] ?? [],
    cryptedForeignKeys: after.systemMetaData.cryptedForeignKeys[hcp3.dataOwnerId] ?? [],
  }
  return {
    server,
    hcp1,
    hcp2,
    p,
    hcp3,
    patientId: p.dataOwnerId,
    otherPatientId: other.id!,
    patientAsReader,
    template,
    shareEntries,
    firstContactRsa: rsaOperationCount(),
  }
}

/** The stored wire document of a sample, as `actor` fetches it. */
async function wireDoc(actor: Actor, id: string): Promise<EncryptedEntityDto> {
  const res = await fetch(`${actor.api.iCureBaseUrl}/rest/v1/datasample/${id}`, {
    headers: { authorization: `Bearer ${await bearerToken(actor.api.iCureBaseUrl, actor)}` },
  })
  if (!res.ok) throw new Error(`GET datasample ${id}: ${res.status}`)
  return (await res.json()) as EncryptedEntityDto
}

function stripServerFields(doc: EncryptedEntityDto): EncryptedEntityDto {
  const copy: Record<string, unknown> = { ...doc }
  for (const f of SERVER_FIELDS) delete copy[f]
  return copy as EncryptedEntityDto
}

/** A bearer access token for an actor, from `POST /rest/v1/auth/login`. */
export async function bearerToken(
  baseUrl: string,
  actor: Pick<Actor, 'login' | 'password'>,
): Promise<string> {
  const res = await fetch(`${baseUrl}/rest/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: actor.login, password: actor.password }),
  })
  if (!res.ok) throw new Error(`login ${actor.login}: ${res.status} ${await res.text()}`)
  return ((await res.json()) as { token: string }).token
}
