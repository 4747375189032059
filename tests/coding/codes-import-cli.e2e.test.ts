import { execFile } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CodingFilter, type MedTechApi } from '@cairn/sdk'
import { createHcp } from '../../packages/cli/src/commands/create-hcp.ts'
import { BACKENDS } from '../support/backends.ts'
import {
  SOURCE_NODE_ARGS,
  disposeServer,
  startServer,
  type ServerProcess,
} from '../support/server-process.ts'
import { login } from '../support/actors.ts'

const run = promisify(execFile)
const ROOT = new URL('../..', import.meta.url).pathname
const FIXTURES = new URL('./fixtures/', import.meta.url).pathname
const LOINC = join(FIXTURES, 'loinc-sample.csv')
const SNOMED = join(FIXTURES, 'sct2_Description_Snapshot-en_TEST_20240101.txt')

/** The counts of the summary `cairn codes import` prints. */
function counts(stdout: string): Record<string, number> {
  const out: Record<string, number> = {}
  for (const match of stdout.matchAll(
    /^ {2}(lines read|created|updated|unchanged|skipped|rejected) +(\d+)/gm,
  ))
    out[match[1]] = Number(match[2])
  return out
}

/**
 * `cairn codes import` against a real server on each backend: a LOINC-style CSV (quoted commas,
 * doubled quotes, a line break inside a field, a line without a code) and a SNOMED CT RF2 description
 * file (synonyms and inactive descriptions skipped, a concept named in two languages), each imported
 * twice: the second run changes nothing. Then the codes are searched through the SDK.
 */
for (const backend of BACKENDS) {
  describe.skipIf(!backend.enabled)(`cairn codes import (${backend.name})`, () => {
    let server: ServerProcess
    let reader: MedTechApi

    /** Runs `cairn codes import` as the server's admin; exit code, stdout and stderr. */
    const codesImport = (args: string[]) =>
      run(
        process.execPath,
        [...SOURCE_NODE_ARGS, 'packages/cli/src/main.ts', 'codes', 'import', '--url', server.url, ...args],
        { cwd: ROOT, env: { ...process.env, CAIRN_ADMIN_PASSWORD: server.adminPassword } },
      ).then(
        ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
        (e: { code: number; stdout: string; stderr: string }) => e,
      )

    beforeAll(async () => {
      server = await startServer({ databaseUrl: backend.databaseUrl })
      reader = await login(server, server.adminLogin, server.adminPassword)
    })
    afterAll(() => disposeServer(server))

    it('imports a LOINC-style CSV, then finds nothing to change in it', async () => {
      const first = await codesImport([LOINC, '--version', '2.77', '--batch-size', '2'])
      expect(first.code, first.stderr).toBe(0)
      expect(first.stdout).toContain('(loinc, type LOINC, version 2.77)')
      expect(counts(first.stdout)).toEqual({
        'lines read': 6,
        created: 5,
        updated: 0,
        unchanged: 0,
        skipped: 0,
        rejected: 1,
      })
      expect(first.stdout).toContain('    line 6: no code')
      // Not a terminal: plain progress lines on stderr.
      expect(first.stderr).toMatch(/^codes import: \d+% of the file, \d+ lines/m)

      const second = await codesImport([LOINC, '--version', '2.77'])
      expect(second.code, second.stderr).toBe(0)
      expect(counts(second.stdout)).toMatchObject({
        'lines read': 6,
        created: 0,
        updated: 0,
        unchanged: 5,
        rejected: 1,
      })

      const quoted = await reader.codingApi.getCoding('LOINC|90003-7|2.77')
      expect(quoted.description).toEqual({
        en: 'Cholesterol in LDL [Mass/volume] in Serum or Plasma by calculation, "Friedewald" formula',
      })
      expect((await reader.codingApi.getCoding('LOINC|90005-2|2.77')).description?.en).toBe(
        'Systolic blood pressure,\nsitting',
      )
      expect((await reader.codingApi.getCoding('LOINC|90004-5|2.77')).description?.en).toBe('Body weight')
    })

    it('imports a SNOMED CT RF2 description file (fully specified names), then finds nothing to change', async () => {
      const first = await codesImport([SNOMED, '--batch-size', '2', '--region', 'be'])
      expect(first.code, first.stderr).toBe(0)
      expect(first.stdout).toContain('(snomed-rf2, type SNOMEDCT, version 20240101)')
      // Concept 90000101 is named in English, then in French in a later batch: created, then updated.
      expect(counts(first.stdout)).toEqual({
        'lines read': 8,
        created: 5,
        updated: 1,
        unchanged: 0,
        skipped: 2,
        rejected: 0,
      })
      expect(first.stdout).toContain('inactive description: 1')
      expect(first.stdout).toContain('not a fully specified name (synonyms are not imported): 1')

      const second = await codesImport([SNOMED, '--batch-size', '2', '--region', 'be'])
      expect(second.code, second.stderr).toBe(0)
      expect(counts(second.stdout)).toEqual({
        'lines read': 8,
        created: 0,
        updated: 0,
        unchanged: 6,
        skipped: 2,
        rejected: 0,
      })

      const diabetes = await reader.codingApi.getCoding('SNOMEDCT|90000101|20240101')
      expect(diabetes.description).toEqual({
        en: 'Diabetes mellitus (disorder)',
        fr: 'Diabète sucré (trouble)',
      })
      expect(diabetes.regions).toEqual(['be'])
      const search = await new CodingFilter()
        .byRegionLanguageTypeLabel('be', 'en', 'SNOMEDCT', 'diab mell')
        .build()
      expect(await reader.codingApi.matchCoding(search)).toEqual([
        'SNOMEDCT|90000101|20240101',
        'SNOMEDCT|90000104|20240101',
      ])
      expect((await reader.codingApi.getCoding('SNOMEDCT|90000105|20240101')).description?.en).toBe(
        'Asthma "so-called" nocturnal (disorder)',
      )
      await expect(reader.codingApi.getCoding('SNOMEDCT|90000103|20240101')).rejects.toMatchObject({
        status: 404,
      })
    })

    it('imports as a healthcare professional with the create-hcp file; refuses bad options before any request', async () => {
      const credentials = await createHcp({
        url: server.url,
        adminLogin: server.adminLogin,
        adminPassword: server.adminPassword,
        login: `coder-${Date.now().toString(36)}@example.org`,
        firstName: 'Code',
        lastName: 'Importer',
      })
      const file = join(server.dataDir, 'hcp.json')
      await writeFile(file, JSON.stringify(credentials), { mode: 0o600 })
      const csv = join(server.dataDir, 'icd.csv')
      await writeFile(
        csv,
        'code,display,language\nE11,"Diabetes mellitus, type 2",en\nE11,"Diabète de type 2",fr\n',
      )
      const byHcp = await codesImport([csv, '--type', 'ICD10', '--version', '2019', '--credentials', file])
      expect(byHcp.code, byHcp.stderr).toBe(0)
      expect(counts(byHcp.stdout)).toMatchObject({ 'lines read': 2, created: 1, rejected: 0 })
      expect((await reader.codingApi.getCoding('ICD10|E11|2019')).description).toEqual({
        en: 'Diabetes mellitus, type 2',
        fr: 'Diabète de type 2',
      })

      const noVersion = await codesImport([csv, '--type', 'ICD10'])
      expect(noVersion.code).toBe(1)
      expect(noVersion.stderr).toContain('has no version column: give --version')
      const badFormat = await codesImport([csv, '--format', 'xml'])
      expect(badFormat.stderr).toContain('--format must be one of csv, loinc, snomed-rf2')
    })
  })
}
