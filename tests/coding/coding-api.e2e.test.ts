import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  Coding,
  CodingFilter,
  FilterComposition,
  NoOpFilter,
  PaginatedListCoding,
  type MedTechApi,
} from '@cairn/sdk'
import { BACKENDS } from '../support/backends.ts'
import { disposeServer, startServer, type ServerProcess } from '../support/server-process.ts'
import { login, newHcp, newPatient, type Actor } from '../support/actors.ts'

/**
 * The MedTech `codingApi` over the SDK against a real server on each backend: create, modify (a stale
 * rev is a 409), get, filter with keyset paging and the real totalSize, match, unions and
 * intersections, NoOpFilter, and the access rule (everyone reads, professionals and admins write).
 */
for (const backend of BACKENDS) {
  describe.skipIf(!backend.enabled)(`codingApi over the SDK (${backend.name})`, () => {
    let server: ServerProcess
    let hcp: Actor
    let patient: Actor
    let admin: MedTechApi
    /** A code system of this run, so that searches see only the codings made here. */
    const type = `TEST${randomUUID().slice(0, 8).toUpperCase()}`

    beforeAll(async () => {
      server = await startServer({ databaseUrl: backend.databaseUrl })
      hcp = await newHcp(server, 'coder')
      ;[patient, admin] = await Promise.all([
        newPatient(server, hcp, 'Reader'),
        login(server, server.adminLogin, server.adminPassword),
      ])
    })
    afterAll(() => disposeServer(server))

    const coding = (code: string, description: Record<string, string>, regions?: string[]) =>
      new Coding({ type, code, version: '1', description, ...(regions ? { regions } : {}) })

    it('creates with the id type|code|version, reads back, and modifies at the current rev only', async () => {
      const created = await hcp.api.codingApi.createOrModifyCoding(
        coding('DM', { en: 'Diabetes mellitus', fr: 'Diabète sucré' }, ['be']),
      )
      expect(created).toBeInstanceOf(Coding)
      expect(created).toMatchObject({ id: `${type}|DM|1`, type, code: 'DM', version: '1', regions: ['be'] })
      expect(created.rev).toMatch(/^1-/)
      // Any signed-in user reads codings, a patient included.
      const read = await patient.api.codingApi.getCoding(created.id!)
      expect(read.description).toEqual({ en: 'Diabetes mellitus', fr: 'Diabète sucré' })

      const modified = await hcp.api.codingApi.createOrModifyCoding(
        new Coding({ ...created, description: { ...created.description, nl: 'Suikerziekte' } }),
      )
      expect(modified.rev).toMatch(/^2-/)
      const stale = await hcp.api.codingApi
        .createOrModifyCoding(new Coding({ ...created, regions: ['fr'] }))
        .catch((e: unknown) => e)
      expect(stale).toMatchObject({ status: 409, code: 'CONFLICT' })
      expect((stale as Error).message).toMatch(/^409 - /)
      expect((await hcp.api.codingApi.getCoding(created.id!)).description?.nl).toBe('Suikerziekte')

      // Taken ids, unknown ids and ids that are not type|code|version are refused.
      await expect(
        hcp.api.codingApi.createOrModifyCoding(coding('DM', { en: 'again' })),
      ).rejects.toMatchObject({
        status: 409,
      })
      await expect(hcp.api.codingApi.getCoding(`${type}|NONE|1`)).rejects.toMatchObject({ status: 404 })
      await expect(
        hcp.api.codingApi.createOrModifyCoding(new Coding({ id: 'A|B|C', type, code: 'X', version: '1' })),
      ).rejects.toThrow(/^400 - .*must be type\|code\|version/)
      await expect(
        hcp.api.codingApi.createOrModifyCodings([
          new Coding({ id: 'no-pipes', rev: '1-a', type, code: 'X' }),
        ]),
      ).rejects.toThrow('Update id should be provided as an String of format: type|code|version')
    })

    it('lets admins and professionals write codings, and nobody else', async () => {
      const byAdmin = await admin.codingApi.createOrModifyCoding(coding('ADM', { en: 'Made by an admin' }))
      expect(byAdmin.id).toBe(`${type}|ADM|1`)
      const refused = await patient.api.codingApi
        .createOrModifyCoding(coding('PAT', { en: 'Made by a patient' }))
        .catch((e: unknown) => e)
      expect(refused).toMatchObject({ status: 403, code: 'FORBIDDEN' })
      expect((refused as Error).message).toMatch(/^403 - /)
      await expect(
        patient.api.codingApi.createOrModifyCoding(
          new Coding({ ...byAdmin, description: { en: 'changed' } }),
        ),
      ).rejects.toMatchObject({ status: 403 })
      await expect(patient.api.codingApi.getCoding(`${type}|PAT|1`)).rejects.toMatchObject({ status: 404 })
    })

    it('filters by label words in pages, with the number of every match, and matches ids', async () => {
      const labels = Array.from({ length: 23 }, (_, i) =>
        coding(
          `P${String(i).padStart(2, '0')}`,
          { en: i % 2 === 0 ? `Paged diabetic finding ${i}` : `Paged other ${i}` },
          [i % 3 === 0 ? 'be' : 'fr'],
        ),
      )
      const created = await hcp.api.codingApi.createOrModifyCodings(labels)
      expect(created).toHaveLength(23)
      const filter = await new CodingFilter(hcp.api)
        .byRegionLanguageTypeLabel(undefined, 'en', type, 'PAGED diab')
        .build()
      const expected = labels.filter((_, i) => i % 2 === 0).map((c) => `${type}|${c.code}|1`)
      const seen: string[] = []
      let next: string | undefined
      for (let page = 0; page < 5; page++) {
        const result = await patient.api.codingApi.filterCoding(filter, next, 5)
        expect(result).toBeInstanceOf(PaginatedListCoding)
        expect(result.totalSize).toBe(expected.length)
        seen.push(...result.rows.map((r) => r.id!))
        next = result.nextKeyPair?.startKeyDocId
        if (!next) break
      }
      expect(seen).toEqual(expected)
      expect(await patient.api.codingApi.matchCoding(filter)).toEqual(expected)

      // Case and accents are ignored; every word must start a word of the label.
      const french = await new CodingFilter()
        .byRegionLanguageTypeLabel(undefined, 'fr', type, 'DIABETE suc')
        .build()
      expect(await hcp.api.codingApi.matchCoding(french)).toEqual([`${type}|DM|1`])
      const none = await new CodingFilter()
        .byRegionLanguageTypeLabel(undefined, 'en', type, 'diab mell xyz')
        .build()
      expect((await hcp.api.codingApi.filterCoding(none)).totalSize).toBe(0)
    })

    it('answers unions, intersections and by-ids filters, and NoOpFilters without a request', async () => {
      const inBe = await new CodingFilter().byRegionLanguageTypeLabel('be', undefined, type).build()
      const diabetic = await new CodingFilter()
        .byRegionLanguageTypeLabel(undefined, 'en', type, 'diabetic')
        .build()
      const beIds = await hcp.api.codingApi.matchCoding(inBe)
      const diabeticIds = await hcp.api.codingApi.matchCoding(diabetic)
      expect(beIds.length).toBeGreaterThan(0)
      const both = await hcp.api.codingApi.matchCoding(FilterComposition.intersection(inBe, diabetic))
      expect(both).toEqual(beIds.filter((id) => diabeticIds.includes(id)))
      const either = await hcp.api.codingApi.matchCoding(FilterComposition.union(inBe, diabetic))
      expect(either).toEqual([...new Set([...beIds, ...diabeticIds])].sort())
      const built = await new CodingFilter()
        .byIds([`${type}|DM|1`, `${type}|P00|1`])
        .byRegionLanguageTypeLabel('be')
        .build()
      expect(await hcp.api.codingApi.matchCoding(built)).toEqual([`${type}|DM|1`, `${type}|P00|1`])

      const noOp = new NoOpFilter<Coding>()
      expect(await hcp.api.codingApi.matchCoding(noOp)).toEqual([])
      const empty = await hcp.api.codingApi.filterCoding(noOp)
      expect(empty).toMatchObject({ pageSize: 0, totalSize: 0, rows: [] })
      expect(empty.nextKeyPair).toBeUndefined()
      await expect(hcp.api.codingApi.matchCoding(FilterComposition.union(noOp))).rejects.toThrow(
        'No mapper for NoOpFilter',
      )
    })
  })
}
