import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  CodingReference,
  DataSample,
  FilterComposition,
  HealthcareElement,
  Identifier,
  NoOpFilter,
  Patient,
} from '@cairn/sdk'
import { BACKENDS } from '../support/backends.ts'
import { disposeServer, startServer, type ServerProcess } from '../support/server-process.ts'
import { newHcp, type Actor } from '../support/actors.ts'

/**
 * Search of encrypted entities through the SDK with MedTech filter objects written by hand (the DSL
 * builders are tested in dsl-search.e2e.test.ts): every leaf filter of patients, data samples and
 * healthcare elements, compositions, keyset paging with real totals (also across inserts made between
 * pages), matchX, and access: a filter never returns what the caller cannot read.
 */
const ids = (rows: { id?: string }[]) => rows.map((r) => r.id!)
const sorted = (list: string[]) => [...list].sort()

for (const backend of BACKENDS) {
  describe.skipIf(!backend.enabled)(`search of encrypted entities (${backend.name})`, () => {
    let server: ServerProcess
    let doc: Actor
    let other: Actor
    const patients: Patient[] = []
    let secretIdOf: (p: Patient) => Promise<string[]>

    beforeAll(async () => {
      server = await startServer({ databaseUrl: backend.databaseUrl })
      doc = await newHcp(server, 'searcher')
      other = await newHcp(server, 'outsider')
      const people = [
        { firstName: 'John', lastName: 'Keats', dateOfBirth: 17951031, gender: 'male', ssin: '95103100001' },
        {
          firstName: 'Mary',
          lastName: 'Shelley',
          dateOfBirth: 17970830,
          gender: 'female',
          ssin: '97083000002',
        },
        {
          firstName: 'Percy',
          lastName: 'Shelley',
          dateOfBirth: 17920804,
          gender: 'male',
          ssin: '92080400003',
        },
        {
          firstName: 'Émilie',
          lastName: 'Du Châtelet',
          dateOfBirth: 17061217,
          gender: 'female',
          ssin: '06121700004',
        },
      ] as const
      for (const p of people)
        patients.push(
          await doc.api.patientApi.createOrModifyPatient(
            new Patient({
              ...p,
              education: 'university',
              identifiers: [new Identifier({ system: 'urn:mrn', value: `MRN-${p.ssin}` })],
              note: `private note about ${p.lastName}`,
            }),
          ),
        )
      // A patient of another professional: never in the searcher's results.
      await other.api.patientApi.createOrModifyPatient(
        new Patient({ firstName: 'John', lastName: 'Keatson', dateOfBirth: 17951031, gender: 'male' }),
      )
      secretIdOf = (p) => doc.api.cryptoApi.entities.secretIdsOf(p, 'patient')
    })
    afterAll(() => disposeServer(server))

    it('filters patients by each leaf filter, only among those the caller can read', async () => {
      const api = doc.api.patientApi
      const me = doc.dataOwnerId
      const run = async (filter: object) => ids((await api.filterPatients(filter as never)).rows)
      const [keats, mary, percy, emilie] = patients.map((p) => p.id!)
      expect(sorted(await run({ $type: 'PatientByHealthcarePartyFilter', healthcarePartyId: me }))).toEqual(
        sorted([keats, mary, percy, emilie]),
      )
      expect(await run({ $type: 'PatientByIdsFilter', ids: [mary, 'not-a-patient'] })).toEqual([mary])
      // "eatsjo" is inside "keatsjohn": names are matched as normalised substrings, accents ignored.
      expect(
        await run({
          $type: 'PatientByHealthcarePartyNameContainsFuzzyFilter',
          healthcarePartyId: me,
          searchString: 'eatsjo',
        }),
      ).toEqual([keats])
      expect(
        await run({
          $type: 'PatientByHealthcarePartyNameContainsFuzzyFilter',
          healthcarePartyId: me,
          searchString: 'chatel',
        }),
      ).toEqual([emilie])
      expect(
        sorted(
          await run({
            $type: 'PatientByHealthcarePartyNameContainsFuzzyFilter',
            healthcarePartyId: me,
            searchString: 'SHELL',
          }),
        ),
      ).toEqual(sorted([mary, percy]))
      // Date-of-birth filters come in date-of-birth order.
      expect(
        await run({
          $type: 'PatientByHealthcarePartyDateOfBirthBetweenFilter',
          healthcarePartyId: me,
          minDateOfBirth: 17900101,
          maxDateOfBirth: 17991231,
        }),
      ).toEqual([percy, keats, mary])
      expect(
        await run({ $type: 'PatientByHealthcarePartySsinsFilter', ssins: ['97083000002', '06121700004'] }),
      ).toEqual(sorted([mary, emilie]))
      expect(
        sorted(
          await run({
            $type: 'PatientByHealthcarePartyGenderEducationProfessionFilter',
            healthcarePartyId: me,
            gender: 'female',
            education: 'university',
          }),
        ),
      ).toEqual(sorted([mary, emilie]))
      expect(
        await run({
          $type: 'PatientByHealthcarePartyIdentifiersFilter',
          identifiers: [new Identifier({ system: 'urn:mrn', value: 'MRN-92080400003' })],
        }),
      ).toEqual([percy])
      // Compositions: union, intersection and complement.
      const males = { $type: 'PatientByHealthcarePartyGenderEducationProfessionFilter', gender: 'male' }
      const shelleys = { $type: 'PatientByHealthcarePartyNameContainsFuzzyFilter', searchString: 'shelley' }
      expect(await run(FilterComposition.intersection(males as never, shelleys as never))).toEqual([percy])
      expect(sorted(await run(FilterComposition.union(males as never, shelleys as never)))).toEqual(
        sorted([keats, mary, percy]),
      )
      expect(await run({ $type: 'ComplementFilter', superSet: males, subSet: shelleys })).toEqual([keats])
      // What the server returns decrypts: the note is there.
      const [row] = (await api.filterPatients({ $type: 'PatientByIdsFilter', ids: [keats] } as never)).rows
      expect(row.note).toBe('private note about Keats')
      expect(sorted(await api.matchPatients(males as never))).toEqual(sorted([keats, percy]))
    })

    it("a date-ordered page cannot start at another owner's record: the same 400 as an unknown id", async () => {
      const byBirth = {
        $type: 'PatientByHealthcarePartyDateOfBirthBetweenFilter',
        minDateOfBirth: 17000101,
        maxDateOfBirth: 18991231,
      } as never
      const foreign = other.api.patientApi.filterPatients(byBirth, patients[0].id, 10)
      const unknown = other.api.patientApi.filterPatients(byBirth, crypto.randomUUID(), 10)
      const message = /^400 - The page cannot start at .*: it no longer matches the filter/
      await expect(foreign).rejects.toThrow(message)
      await expect(unknown).rejects.toThrow(message)
      // Its owner pages from it.
      expect((await doc.api.patientApi.filterPatients(byBirth, patients[0].id, 10)).rows[0].id).toBe(
        patients[0].id,
      )
    })

    it('refuses a filter naming another data owner, of another entity type, or a nested NoOp', async () => {
      await expect(
        doc.api.patientApi.filterPatients({
          $type: 'PatientByHealthcarePartyFilter',
          healthcarePartyId: other.dataOwnerId,
        } as never),
      ).rejects.toThrow(/^403 - .*cannot query the data of data owner/)
      await expect(
        doc.api.patientApi.filterPatients({ $type: 'DataSampleByIdsFilter', ids: [] } as never),
      ).rejects.toThrow('No mapper for DataSampleByIdsFilter')
      await expect(
        doc.api.patientApi.filterPatients(FilterComposition.union(new NoOpFilter<Patient>())),
      ).rejects.toThrow('No mapper for NoOpFilter')
      const empty = await doc.api.patientApi.filterPatients(new NoOpFilter<Patient>())
      expect([empty.rows, empty.totalSize, empty.nextKeyPair]).toEqual([[], 0, undefined])
      expect(await doc.api.patientApi.matchPatients(new NoOpFilter<Patient>())).toEqual([])
    })

    it('filters data samples by patient, code and date range, in value-date order, with keyset pages', async () => {
      const [keats, mary] = patients
      const he = await doc.api.healthcareElementApi.createOrModifyHealthcareElement(
        new HealthcareElement({
          description: 'Tuberculosis',
          codes: new Set([new CodingReference({ type: 'ICD', code: 'A15' })]),
          labels: new Set([new CodingReference({ type: 'CARE', code: 'chronic' })]),
          identifiers: [new Identifier({ system: 'urn:he', value: 'TB-1' })],
        }),
        keats.id,
      )
      const glucose = new CodingReference({ type: 'LOINC', code: '2339-0' })
      const weight = new CodingReference({ type: 'LOINC', code: '29463-7' })
      const samples: DataSample[] = []
      for (let day = 1; day <= 12; day++) {
        samples.push(
          await doc.api.dataSampleApi.createOrModifyDataSampleFor(
            day % 3 === 0 ? mary.id! : keats.id!,
            new DataSample({
              valueDate: Number(`179801${String(day).padStart(2, '0')}120000`),
              codes: new Set([day % 2 === 0 ? glucose : weight]),
              labels: new Set([new CodingReference({ type: 'CARE', code: 'lab' })]),
              identifiers: [new Identifier({ system: 'urn:lab', value: `L${day}` })],
              healthcareElementIds: day === 4 ? new Set([he.id!]) : undefined,
              comment: `day ${day}`,
            }),
          ),
        )
      }
      const [keatsSecret] = await secretIdOf(keats)
      const api = doc.api.dataSampleApi
      const byDay = (d: number) => samples[d - 1].id!
      const filter = {
        $type: 'DataSampleByHealthcarePartyTagCodeDateFilter',
        healthcarePartyId: doc.dataOwnerId,
        patientSecretForeignKey: keatsSecret,
        codeType: 'LOINC',
        codeCode: '2339-0',
        startValueDate: 17980102,
        endValueDate: 17980110,
        descending: true,
      }
      // Keats's glucose samples of days 2..10 are days 2, 4, 8, 10 (6 is Mary's), newest first.
      const all = await api.filterDataSample(filter)
      expect(ids(all.rows)).toEqual([byDay(10), byDay(8), byDay(4), byDay(2)])
      expect(all.totalSize).toBe(4)
      expect(all.rows[0].comment).toBe('day 10')
      const first = await api.filterDataSample(filter, undefined, 3)
      expect([ids(first.rows), first.totalSize]).toEqual([[byDay(10), byDay(8), byDay(4)], 4])
      const second = await api.filterDataSample(filter, first.nextKeyPair?.startKeyDocId, 3)
      expect([ids(second.rows), second.totalSize, second.nextKeyPair?.startKeyDocId]).toEqual([
        [byDay(2)],
        4,
        undefined,
      ])
      expect(await api.matchDataSample({ ...filter, descending: false } as never)).toEqual([
        byDay(2),
        byDay(4),
        byDay(8),
        byDay(10),
      ])
      // The other data-sample filters.
      const run = async (f: object) => sorted(ids((await api.filterDataSample(f as never)).rows))
      expect(
        await run({
          $type: 'DataSampleByHealthcarePartyPatientFilter',
          patientSecretForeignKeys: [keatsSecret],
        }),
      ).toEqual(sorted(samples.filter((_, i) => (i + 1) % 3 !== 0).map((s) => s.id!)))
      expect(
        await run({
          $type: 'DataSampleByHealthcarePartyIdentifiersFilter',
          identifiers: [{ system: 'urn:lab', value: 'L7' }],
        }),
      ).toEqual([byDay(7)])
      expect(
        await run({
          $type: 'DataSampleByHealthcarePartyHealthcareElementIdsFilter',
          healthcareElementIds: [he.id],
        }),
      ).toEqual([byDay(4)])
      expect(
        (
          await api.filterDataSample({
            $type: 'DataSampleByHealthcarePartyFilter',
            hcpId: doc.dataOwnerId,
          } as never)
        ).totalSize,
      ).toBe(12)
      expect(await run({ $type: 'DataSampleByIdsFilter', ids: [byDay(1), byDay(3)] })).toEqual(
        sorted([byDay(1), byDay(3)]),
      )
      // Label only (any code of the type) and a code without its type (refused).
      expect(
        (await run({ $type: 'DataSampleByHealthcarePartyTagCodeDateFilter', tagType: 'CARE' })).length,
      ).toBe(12)
      await expect(
        api.filterDataSample({
          $type: 'DataSampleByHealthcarePartyTagCodeDateFilter',
          codeCode: '2339-0',
        } as never),
      ).rejects.toThrow(/^400 - A code code needs its code type/)

      // Healthcare elements.
      const heApi = doc.api.healthcareElementApi
      const heRun = async (f: object) => ids((await heApi.filterHealthcareElement(f as never)).rows)
      expect(
        await heRun({
          $type: 'HealthcareElementByHealthcarePartyLabelCodeFilter',
          codeType: 'ICD',
          codeCode: 'A15',
        }),
      ).toEqual([he.id])
      expect(
        await heRun({
          $type: 'HealthcareElementByHealthcarePartyLabelCodeFilter',
          tagType: 'CARE',
          tagCode: 'lab',
        }),
      ).toEqual([])
      expect(
        await heRun({
          $type: 'HealthcareElementByHealthcarePartyPatientFilter',
          patientSecretForeignKeys: [keatsSecret],
        }),
      ).toEqual([he.id])
      expect(
        await heRun({
          $type: 'HealthcareElementByHealthcarePartyIdentifiersFilter',
          identifiers: [{ system: 'urn:he', value: 'TB-1' }],
        }),
      ).toEqual([he.id])
      expect(
        await heApi.matchHealthcareElement({
          $type: 'HealthcareElementByHealthcarePartyFilter',
          healthcarePartyId: doc.dataOwnerId,
        } as never),
      ).toEqual([he.id])
      expect((await heRun({ $type: 'HealthcareElementByIdsFilter', ids: [he.id] }))[0]).toBe(he.id)
      const [row] = (
        await heApi.filterHealthcareElement({ $type: 'HealthcareElementByIdsFilter', ids: [he.id] } as never)
      ).rows
      expect(row.description).toBe('Tuberculosis')

      // Nothing of this is visible to another professional, whatever the filter.
      expect(
        await other.api.dataSampleApi.matchDataSample({
          $type: 'DataSampleByIdsFilter',
          ids: samples.map((s) => s.id),
        } as never),
      ).toEqual([])
      expect(
        await other.api.dataSampleApi.matchDataSample({
          $type: 'DataSampleByHealthcarePartyPatientFilter',
          patientSecretForeignKeys: [keatsSecret],
        } as never),
      ).toEqual([])
      expect(
        await other.api.healthcareElementApi.matchHealthcareElement({
          $type: 'HealthcareElementByHealthcarePartyLabelCodeFilter',
          codeType: 'ICD',
          codeCode: 'A15',
        } as never),
      ).toEqual([])
      // Shared: then found.
      await doc.api.dataSampleApi.giveAccessTo(samples[6], other.dataOwnerId)
      expect(
        await other.api.dataSampleApi.matchDataSample({
          $type: 'DataSampleByHealthcarePartyIdentifiersFilter',
          identifiers: [{ system: 'urn:lab', value: 'L7' }],
        } as never),
      ).toEqual([byDay(7)])
    })

    it('pages patients in id order across inserts made between pages, each page at its keyset position', async () => {
      const api = doc.api.patientApi
      const filter = { $type: 'PatientByHealthcarePartyFilter', healthcarePartyId: doc.dataOwnerId } as never
      const before = await api.matchPatients(filter)
      const page1 = await api.filterPatients(filter, undefined, 2)
      expect(page1.rows.length).toBe(2)
      expect(page1.totalSize).toBe(before.length)
      // A patient created between pages: counted by the next page, and placed by its id.
      const added = await api.createOrModifyPatient(new Patient({ firstName: 'Late', lastName: 'Comer' }))
      const seen = [...ids(page1.rows)]
      let next = page1.nextKeyPair?.startKeyDocId
      let total = 0
      while (next) {
        const page = await api.filterPatients(filter, next, 2)
        seen.push(...ids(page.rows))
        total = page.totalSize
        next = page.nextKeyPair?.startKeyDocId
      }
      expect(total).toBe(before.length + 1)
      // Every patient is seen once; the new one iff its id sorts at or after the cursor the first page
      // gave (pages continue from an id, so what lands before it belongs to pages already read).
      expect(new Set(seen).size).toBe(seen.length)
      expect(sorted(seen)).toEqual(
        sorted([...before, ...(added.id! >= page1.nextKeyPair!.startKeyDocId! ? [added.id!] : [])]),
      )
      expect(seen).toEqual(sorted(seen))
    })
  })
}
