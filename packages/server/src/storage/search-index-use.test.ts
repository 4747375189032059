import { randomBytes, randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FilterDto } from '@cairn/protocol'
import type { Caller } from '../auth/caller.ts'
import { compileFilter } from '../filters/filter-registry.ts'
import type { SearchTarget } from '../filters/filter-kind.ts'
import { searchIndexOf } from '../filters/search-terms.ts'
import { createStorage } from './create-storage.ts'
import { dropPgSchema } from './drop-pg-schema.ts'
import type { KyselyStorage } from './kysely-storage.ts'
import type { DocWrite } from './storage.ts'

/*
 * Every filter kind, compiled as the server compiles it and planned by the database against realistic
 * row counts (20 practices sharing a server: 4,000 patients, 40,000 samples, 8,000 healthcare
 * elements, a directory of 3,000 professionals; documents carry ciphertext of a realistic size), must read through indexes: on PostgreSQL (after
 * ANALYZE) no sequential scan; on SQLite no full SCAN of a table. The statements checked are the page,
 * the count and the match of each filter. Only the count and match of a filter selecting a whole
 * directory (all professionals, all devices) may read the whole table: that is their answer.
 */

const PATIENTS = 4000
const SAMPLES_PER_PATIENT = 10
const HCPS = 3000
/** Twenty practices: each professional reads about a twentieth of the records, as in a shared deployment. */
const hcps = Array.from({ length: 20 }, (_, i) => `hcp-${i}`)
const me = hcps[0]
const caller: Caller = {
  userId: 'u',
  dataOwnerId: me,
  dataOwnerType: 'HealthcareProfessional',
  isAdmin: false,
  requestId: 'r',
}

const patientId = (n: number) => `p-${String(n).padStart(5, '0')}-${randomUUID()}`
const sfkOf = (id: string) => `sfk-${id}`

/** Documents with the index values the server would compute for them (searchIndexOf). */
function writes(
  type: 'patient' | 'dataSample' | 'healthcareElement' | 'healthcareProfessional',
  docs: Record<string, unknown>[],
  access?: (i: number) => string[],
  sfk?: (i: number) => string[],
): DocWrite[] {
  return docs.map((doc, i) => {
    const search = searchIndexOf(type, doc, sfk?.(i) ?? [])
    // Encrypted documents carry their ciphertext (random, so incompressible): about a kilobyte.
    const stored = access
      ? { ...doc, systemMetaData: { encryptedSelf: randomBytes(600).toString('base64') } }
      : doc
    return {
      id: String(doc.id),
      rev: '1-x',
      doc: JSON.stringify(stored),
      created: 1,
      modified: 1,
      indexes: {
        ...(access ? { access: access(i) } : {}),
        term: search.term,
        ...(type === 'patient' || type === 'healthcareProfessional' ? { name: search.name } : {}),
        sortValue: search.sortValue,
      },
    }
  })
}

/** The filters to check, one or more per kind, with realistic values. */
function filtersToCheck(patient: string, heId: string): [SearchTarget, object][] {
  const sfk = sfkOf(patient)
  return [
    ['patient', { $type: 'PatientByHealthcarePartyFilter', healthcarePartyId: me }],
    ['patient', { $type: 'PatientByIdsFilter', ids: [patient] }],
    [
      'patient',
      {
        $type: 'PatientByHealthcarePartyIdentifiersFilter',
        identifiers: [{ system: 'urn:mrn', value: 'MRN-17' }],
      },
    ],
    ['patient', { $type: 'PatientByHealthcarePartySsinsFilter', ssins: ['SSIN-17'] }],
    [
      'patient',
      {
        $type: 'PatientByHealthcarePartyDateOfBirthBetweenFilter',
        minDateOfBirth: 19800101,
        maxDateOfBirth: 19800131,
      },
    ],
    ['patient', { $type: 'PatientByHealthcarePartyNameContainsFuzzyFilter', searchString: 'name17' }],
    [
      'patient',
      {
        $type: 'PatientByHealthcarePartyGenderEducationProfessionFilter',
        gender: 'female',
        profession: 'nurse',
      },
    ],
    ['dataSample', { $type: 'DataSampleByHealthcarePartyPatientFilter', patientSecretForeignKeys: [sfk] }],
    ['dataSample', { $type: 'DataSampleByHealthcarePartyFilter', hcpId: me }],
    [
      'dataSample',
      {
        $type: 'UnionFilter',
        filters: [
          { $type: 'DataSampleByHealthcarePartyPatientFilter', patientSecretForeignKeys: [sfk] },
          { $type: 'DataSampleByHealthcarePartyPatientFilter', patientSecretForeignKeys: [`${sfk}-other`] },
        ],
      },
    ],
    ['dataSample', { $type: 'DataSampleByIdsFilter', ids: ['s-1', 's-2'] }],
    [
      'dataSample',
      {
        $type: 'DataSampleByHealthcarePartyIdentifiersFilter',
        identifiers: [{ system: 'urn:lab', value: 'L-17' }],
      },
    ],
    [
      'dataSample',
      {
        $type: 'DataSampleByHealthcarePartyTagCodeDateFilter',
        patientSecretForeignKey: sfk,
        codeType: 'LOINC',
        codeCode: 'c-3',
        startValueDate: 20240101,
        endValueDate: 20241231,
        descending: true,
      },
    ],
    [
      'dataSample',
      { $type: 'DataSampleByHealthcarePartyTagCodeDateFilter', codeType: 'LOINC', codeCode: 'c-3' },
    ],
    [
      'dataSample',
      { $type: 'DataSampleByHealthcarePartyHealthcareElementIdsFilter', healthcareElementIds: [heId] },
    ],
    [
      'healthcareElement',
      { $type: 'HealthcareElementByHealthcarePartyPatientFilter', patientSecretForeignKeys: [sfk] },
    ],
    ['healthcareElement', { $type: 'HealthcareElementByHealthcarePartyFilter', healthcarePartyId: me }],
    ['healthcareElement', { $type: 'HealthcareElementByIdsFilter', ids: [heId] }],
    [
      'healthcareElement',
      {
        $type: 'HealthcareElementByHealthcarePartyIdentifiersFilter',
        identifiers: [{ system: 'urn:he', value: 'HE-17' }],
      },
    ],
    [
      'healthcareElement',
      { $type: 'HealthcareElementByHealthcarePartyLabelCodeFilter', codeType: 'ICD', codeCode: 'I-7' },
    ],
    ['healthcareProfessional', { $type: 'AllHealthcareProfessionalsFilter' }],
    ['healthcareProfessional', { $type: 'HealthcareProfessionalByIdsFilter', ids: ['h-00017'] }],
    ['healthcareProfessional', { $type: 'HealthcareProfessionalByNameFilter', name: 'doc17' }],
    [
      'healthcareProfessional',
      { $type: 'HealthcareProfessionalByLabelCodeFilter', codeType: 'SPECIALITY', codeCode: 'sp-3' },
    ],
    ['medicalDevice', { $type: 'AllMedicalDevicesFilter' }],
    ['medicalDevice', { $type: 'MedicalDeviceByIdsFilter', ids: ['d-1'] }],
  ]
}

const targets = [
  { name: 'PostgreSQL', enabled: Boolean(process.env.DATABASE_URL) },
  { name: 'SQLite', enabled: true },
]

for (const target of targets) {
  describe.skipIf(!target.enabled)(`every filter reads through indexes (${target.name})`, () => {
    let storage: KyselyStorage
    let cleanup: () => Promise<void>
    let somePatient: string
    let someHe: string

    beforeAll(async () => {
      if (target.name === 'PostgreSQL') {
        const pgSchema = `cairn_explain_${randomUUID().replaceAll('-', '').slice(0, 12)}`
        storage = createStorage({
          databaseUrl: process.env.DATABASE_URL,
          dataDir: 'unused',
          pgSchema,
        })
        cleanup = () => dropPgSchema(process.env.DATABASE_URL!, pgSchema)
      } else {
        const dataDir = mkdtempSync(join(tmpdir(), 'cairn-explain-'))
        storage = createStorage({ dataDir })
        cleanup = () => Promise.resolve(rmSync(dataDir, { recursive: true, force: true }))
      }
      await storage.init()
      const patientIds = Array.from({ length: PATIENTS }, (_, n) => patientId(n))
      somePatient = patientIds[20]
      const owner = (i: number) => [hcps[i % hcps.length]]
      await storage.insertDocs(
        'patient',
        writes(
          'patient',
          patientIds.map((id, n) => ({
            id,
            firstName: `First${n}`,
            lastName: `Name${n}`,
            dateOfBirth: 19500101 + (n % 50) * 10000 + (n % 12) * 100,
            gender: n % 2 ? 'female' : 'male',
            profession: n % 3 ? 'nurse' : 'teacher',
            ssin: `SSIN-${n}`,
            identifiers: [{ system: 'urn:mrn', value: `MRN-${n}` }],
          })),
          owner,
          (i) => [sfkOf(patientIds[i])],
        ),
      )
      const heIds = patientIds.flatMap((p, n) => [0, 1].map((k) => `he-${n}-${k}-${randomUUID()}`))
      someHe = heIds[40]
      await storage.insertDocs(
        'healthcareElement',
        writes(
          'healthcareElement',
          heIds.map((id, i) => ({
            id,
            codes: [{ type: 'ICD', code: `I-${i % 50}` }],
            identifiers: [{ system: 'urn:he', value: `HE-${i}` }],
            openingDate: 20240101,
          })),
          (i) => owner(Math.floor(i / 2)),
          (i) => [sfkOf(patientIds[Math.floor(i / 2)])],
        ),
      )
      for (let start = 0; start < PATIENTS; start += 50) {
        const samples: Record<string, unknown>[] = []
        const links: string[] = []
        for (let n = start; n < start + 50; n++)
          for (let k = 0; k < SAMPLES_PER_PATIENT; k++) {
            samples.push({
              id: `s-${n}-${k}-${randomUUID()}`,
              valueDate: 20230101120000 + (k % 24) * 100000000 + n,
              codes: [{ type: 'LOINC', code: `c-${k % 10}` }],
              labels: [{ type: 'CARE', code: 'lab' }],
              identifiers: [{ system: 'urn:lab', value: `L-${n * SAMPLES_PER_PATIENT + k}` }],
              healthcareElementIds: k === 0 ? [heIds[n * 2]] : [],
            })
            links.push(patientIds[n])
          }
        for (let i = 0; i < samples.length; i += 1000) {
          const part = samples.slice(i, i + 1000)
          await storage.insertDocs(
            'dataSample',
            writes(
              'dataSample',
              part,
              (j) => owner(Number(String(part[j].id).split('-')[1])),
              (j) => [sfkOf(links[i + j])],
            ),
          )
        }
      }
      await storage.insertDocs(
        'healthcareProfessional',
        writes(
          'healthcareProfessional',
          Array.from({ length: HCPS }, (_, n) => ({
            id: `h-${String(n).padStart(5, '0')}`,
            firstName: `Doc${n}`,
            lastName: `Surname${n}`,
            specialityCodes: [{ type: 'SPECIALITY', code: `sp-${n % 20}` }],
            // As published: an RSA-2048 public key (hex SPKI) and its signed statement, an address.
            systemMetaData: {
              publicKey: randomBytes(294).toString('hex'),
              keyStatements: [{ signature: randomBytes(256).toString('base64') }],
            },
            addresses: [{ street: `${n} Main Street`, city: 'Springfield', postalCode: String(10000 + n) }],
          })),
        ),
      )
      await storage.analyze()
    }, 300_000)
    afterAll(async () => {
      await storage?.close()
      await cleanup?.()
    })

    it('plans each filter kind (page, count, match) without a full scan of a large table', async () => {
      for (const [searchTarget, filter] of filtersToCheck(somePatient, someHe)) {
        const { dataOwnerId, query, order } = compileFilter(caller, searchTarget, filter as FilterDto)
        // Pages of 100 rows, as an app's list screen asks.
        const plans = await storage.explainSearch(searchTarget, dataOwnerId, query, order, 100)
        for (const [statement, lines] of Object.entries(plans)) {
          const text = lines.join('\n')
          const label = `${(filter as { $type: string }).$type} (${statement}):\n${text}`
          const wholeDirectory = /^All/.test((filter as { $type: string }).$type) && statement !== 'page'
          if (wholeDirectory) continue
          if (target.name === 'PostgreSQL') {
            // Sequential scans are only acceptable on the (here empty) device table.
            const seqScans = lines.filter((l) => /Seq Scan on (?!medical_device\b)/.test(l))
            expect(seqScans, label).toEqual([])
            if (searchTarget !== 'medicalDevice')
              expect(text, label).toMatch(/Index (Only )?Scan|Bitmap Index Scan/)
          } else {
            // SQLite: "SCAN t" without an index is a full table scan; "SCAN t USING ... INDEX" walks an
            // index; "SCAN x" of a subquery (CO-ROUTINE / MATERIALIZE x) reads rows an index produced.
            const subqueries = new Set(
              lines.flatMap((l) => /(?:CO-ROUTINE|MATERIALIZE) (\w+)/.exec(l)?.[1] ?? []),
            )
            const fullScans = lines.filter((l) => {
              const scanned = /\bSCAN (\w+)(?!.*USING)/.exec(l)?.[1]
              return scanned !== undefined && !subqueries.has(scanned) && !/medical_device/.test(l)
            })
            expect(fullScans, label).toEqual([])
          }
        }
      }
    })
  })
}
