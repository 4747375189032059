import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  CodingReference,
  DataSample,
  DataSampleFilter,
  FilterComposition,
  HealthcareElement,
  HealthcareElementFilter,
  HealthcareProfessional,
  HealthcareProfessionalFilter,
  MedicalDevice,
  MedicalDeviceFilter,
  Patient,
  PatientFilter,
} from '@cairn/sdk'
import { BACKENDS } from '../support/backends.ts'
import { disposeServer, startServer, type ServerProcess } from '../support/server-process.ts'
import { newHcp, newPatient, type Actor } from '../support/actors.ts'

/**
 * The MedTech filter DSL as the documentation uses it, through the SDK against a real server: the
 * builders' filters are answered by the server's indexes, within what the caller may read; the
 * directories (professionals, devices) are searched by name, speciality, label and id.
 */
const ids = (rows: { id?: string }[]) => rows.map((r) => r.id!)
const sorted = (list: string[]) => [...list].sort()

for (const backend of BACKENDS) {
  describe.skipIf(!backend.enabled)(`the filter DSL end to end (${backend.name})`, () => {
    let server: ServerProcess
    let doc: Actor
    let colleague: Actor
    let patients: Patient[]

    beforeAll(async () => {
      server = await startServer({ databaseUrl: backend.databaseUrl })
      doc = await newHcp(server, 'dsl')
      colleague = await newHcp(server, 'colleague')
      patients = []
      for (const [firstName, lastName, dateOfBirth, gender] of [
        ['Ada', 'Lovelace', 18151210, 'female'],
        ['Charles', 'Babbage', 17911226, 'male'],
        ['Mary', 'Somerville', 17801226, 'female'],
      ] as const)
        patients.push(
          await doc.api.patientApi.createOrModifyPatient(
            new Patient({ firstName, lastName, dateOfBirth, gender }),
          ),
        )
    })
    afterAll(() => disposeServer(server))

    it('finds patients with PatientFilter, sorted by date of birth, combined with FilterComposition', async () => {
      const [ada, charles, mary] = patients.map((p) => p.id!)
      const api = doc.api.patientApi
      const byBirth = await new PatientFilter(doc.api)
        .forDataOwner(doc.dataOwnerId)
        .sort.dateOfBirthBetween(17000101, 18991231)
        .build()
      expect(ids((await api.filterPatients(byBirth)).rows)).toEqual([mary, charles, ada])
      const women = await new PatientFilter(doc.api).forSelf().byGenderEducationProfession('female').build()
      expect(sorted(await api.matchPatients(women))).toEqual(sorted([ada, mary]))
      const love = await new PatientFilter(doc.api)
        .forDataOwner(doc.dataOwnerId)
        .containsFuzzy('love')
        .build()
      expect(await api.matchPatients(love)).toEqual([ada])
      expect(sorted(await api.matchPatients(FilterComposition.union(women, love)))).toEqual(
        sorted([ada, mary]),
      )
      expect(await api.matchPatients(FilterComposition.intersection(women, love))).toEqual([ada])
      // Criteria of one builder accumulate into an intersection.
      const both = await new PatientFilter(doc.api)
        .forDataOwner(doc.dataOwnerId)
        .byGenderEducationProfession('female')
        .containsFuzzy('somer')
        .build()
      expect(await api.matchPatients(both)).toEqual([mary])
      // Ids that cannot intersect build a NoOp: answered without a request.
      const none = await new PatientFilter(doc.api).forSelf().byIds([ada]).byIds([mary]).build()
      expect((await api.filterPatients(none)).rows).toEqual([])
      // The colleague sees none of them.
      const his = await new PatientFilter(colleague.api).forSelf().containsFuzzy('love').build()
      expect(await colleague.api.patientApi.matchPatients(his)).toEqual([])
    })

    it('finds samples and healthcare elements of patients by code and date, newest first with the sort key', async () => {
      const [ada, charles] = patients
      const he = await doc.api.healthcareElementApi.createOrModifyHealthcareElement(
        new HealthcareElement({
          description: 'Cough',
          codes: new Set([new CodingReference({ type: 'SNOMED', code: '49727002' })]),
        }),
        ada.id,
      )
      const code = new CodingReference({ type: 'LOINC', code: '8867-4' })
      const made: DataSample[] = []
      for (const [patient, day] of [
        [ada, 1],
        [ada, 2],
        [charles, 3],
        [ada, 4],
      ] as const)
        made.push(
          await doc.api.dataSampleApi.createOrModifyDataSampleFor(
            patient.id!,
            new DataSample({
              valueDate: Number(`2024030${day}080000`),
              codes: new Set([code]),
              labels: new Set([new CodingReference({ type: 'IC-TAG', code: 'vital' })]),
              healthcareElementIds: day === 2 ? new Set([he.id!]) : undefined,
              content: {},
            }),
          ),
        )
      const filter = await new DataSampleFilter(doc.api)
        .forDataOwner(doc.dataOwnerId)
        .sort.byLabelCodeDateFilter(undefined, undefined, 'LOINC', '8867-4', 20240301, 20240331, true)
        .forPatients([ada])
        .build()
      const page = await doc.api.dataSampleApi.filterDataSample(filter)
      expect(ids(page.rows)).toEqual([made[3].id, made[1].id, made[0].id])
      expect(page.totalSize).toBe(3)
      const linked = await new DataSampleFilter(doc.api).forSelf().byHealthElementIds([he.id!]).build()
      expect(await doc.api.dataSampleApi.matchDataSample(linked)).toEqual([made[1].id])
      const heFilter = await new HealthcareElementFilter(doc.api)
        .forDataOwner(doc.dataOwnerId)
        .forPatients([ada])
        .byLabelCodeFilter(undefined, undefined, 'SNOMED', '49727002')
        .build()
      const hes = await doc.api.healthcareElementApi.filterHealthcareElement(heFilter, undefined, 10)
      expect(ids(hes.rows)).toEqual([he.id])
      expect(hes.rows[0].description).toBe('Cough')
      // The colleague's forPatients finds nothing: the patient's secret id is not shared with it.
      const his = await new DataSampleFilter(colleague.api).forSelf().forPatients([ada]).build()
      expect(await colleague.api.dataSampleApi.matchDataSample(his)).toEqual([])
    })

    it('a patient finds its own shared data with the DSL, nothing else', async () => {
      const pat = await newPatient(server, doc, 'Grace')
      const record = await doc.api.patientApi.getPatient(pat.dataOwnerId)
      const sample = await doc.api.dataSampleApi.createOrModifyDataSampleFor(
        record.id!,
        new DataSample({
          codes: new Set([new CodingReference({ type: 'LOINC', code: '1-1' })]),
          content: {},
        }),
      )
      const own = await new DataSampleFilter(pat.api)
        .forSelf()
        .byLabelCodeDateFilter(undefined, undefined, 'LOINC', '1-1')
        .build()
      expect(await pat.api.dataSampleApi.matchDataSample(own)).toEqual([])
      await doc.api.dataSampleApi.giveAccessTo(sample, pat.dataOwnerId)
      expect(await pat.api.dataSampleApi.matchDataSample(own)).toEqual([sample.id])
    })

    it('searches professionals by name, speciality code and label, and devices by id', async () => {
      const hcpApi = doc.api.healthcareProfessionalApi
      const keats = await hcpApi.createOrModifyHealthcareProfessional(
        new HealthcareProfessional({
          firstName: 'John',
          lastName: 'Keats',
          specialityCodes: new Set([new CodingReference({ type: 'CD-HCPARTY', code: 'persphysician' })]),
          labels: new Set([new CodingReference({ type: 'CAIRN-TEST', code: 'poet' })]),
        }),
      )
      const house = await hcpApi.createOrModifyHealthcareProfessional(
        new HealthcareProfessional({
          firstName: 'Greg',
          lastName: 'House',
          specialityCodes: new Set([new CodingReference({ type: 'CD-HCPARTY', code: 'diagnostics' })]),
        }),
      )
      const byName = await new HealthcareProfessionalFilter(doc.api).byMatches('eatsjo').build()
      expect(await hcpApi.matchHealthcareProfessionalBy(byName)).toEqual([keats.id])
      const bySpeciality = await new HealthcareProfessionalFilter(doc.api)
        .byLabelCodeFilter(undefined, undefined, 'CD-HCPARTY', 'diagnostics')
        .build()
      const page = await hcpApi.filterHealthcareProfessionalBy(bySpeciality)
      expect(ids(page.rows)).toEqual([house.id])
      expect(page.rows[0]).toBeInstanceOf(HealthcareProfessional)
      expect(page.rows[0].lastName).toBe('House')
      const byLabel = await new HealthcareProfessionalFilter(doc.api)
        .byLabelCodeFilter('CAIRN-TEST', 'poet')
        .build()
      expect(await hcpApi.matchHealthcareProfessionalBy(byLabel)).toEqual([keats.id])
      // All professionals, paged with real totals (the two created here, the test HCPs and the admin's).
      const all = await new HealthcareProfessionalFilter(doc.api).build()
      const first = await hcpApi.filterHealthcareProfessionalBy(all, undefined, 2)
      const everyone = await hcpApi.matchHealthcareProfessionalBy(all)
      expect(first.totalSize).toBe(everyone.length)
      expect(everyone).toEqual(expect.arrayContaining([keats.id, house.id, doc.dataOwnerId]))
      const rest = await hcpApi.filterHealthcareProfessionalBy(all, first.nextKeyPair?.startKeyDocId, 1000)
      expect([...ids(first.rows), ...ids(rest.rows)]).toEqual(everyone)
      // A modified name is searched by its new value, never the old one.
      await hcpApi.createOrModifyHealthcareProfessional(
        new HealthcareProfessional({ ...house, lastName: 'Wilson', name: undefined, names: [] }),
      )
      const wilson = await new HealthcareProfessionalFilter(doc.api).byMatches('wilson').build()
      expect(await hcpApi.matchHealthcareProfessionalBy(wilson)).toEqual([house.id])
      expect(
        await hcpApi.matchHealthcareProfessionalBy(
          await new HealthcareProfessionalFilter(doc.api).byMatches('housegreg').build(),
        ),
      ).toEqual([])

      const device = await doc.api.medicalDeviceApi.createOrModifyMedicalDevice(
        new MedicalDevice({ name: 'Glucometer', serialNumber: 'G-1' }),
      )
      const byIds = await new MedicalDeviceFilter(doc.api).byIds([device.id!]).build()
      const devices = await doc.api.medicalDeviceApi.filterMedicalDevices(byIds)
      expect(ids(devices.rows)).toEqual([device.id])
      expect(devices.rows[0]).toBeInstanceOf(MedicalDevice)
      expect(
        await doc.api.medicalDeviceApi.matchMedicalDevices(await new MedicalDeviceFilter(doc.api).build()),
      ).toContain(device.id)
      // A patient may search the directory too (it needs it to share with its doctors).
      const pat = await newPatient(server, doc, 'Reader')
      expect(await pat.api.healthcareProfessionalApi.matchHealthcareProfessionalBy(byName)).toEqual([
        keats.id,
      ])
    })
  })
}
