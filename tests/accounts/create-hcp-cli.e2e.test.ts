import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { readFile, readdir, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { HcpCredentialsFile } from '../../packages/cli/src/commands/create-hcp.ts'
import { BACKENDS } from '../support/backends.ts'
import {
  SOURCE_NODE_ARGS,
  disposeServer,
  startServer,
  type ServerProcess,
} from '../support/server-process.ts'
import { login } from '../support/actors.ts'
import { rawSql, uniqueLogin, type RawSql } from './accounts-support.ts'

const run = promisify(execFile)
const ROOT = new URL('../..', import.meta.url).pathname

/**
 * `cairn create-hcp` is atomic: the professional and its user are created in one request (a refused
 * user leaves no professional behind), the --out file is checked before the server is called, and an
 * existing file is replaced only with --force.
 */
for (const backend of BACKENDS) {
  describe.skipIf(!backend.enabled)(`cairn create-hcp (${backend.name})`, () => {
    let server: ServerProcess
    let sql: RawSql

    /** Runs `cairn create-hcp` with the server's admin; its exit code and output. */
    const createHcp = async (args: string[]) =>
      run(
        process.execPath,
        [
          ...SOURCE_NODE_ARGS,
          'packages/cli/src/main.ts',
          'create-hcp',
          '--url',
          server.url,
          '--admin-password',
          server.adminPassword,
          '--first-name',
          'Cli',
          '--last-name',
          'Doctor',
          ...args,
        ],
        { cwd: ROOT, env: process.env },
      ).then(
        ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
        (e: { code: number; stdout: string; stderr: string }) => e,
      )
    /** Rows of professionals and users in the database. */
    const counts = async () => {
      const [{ n: hcps }] = await sql.query<{ n: number }>(
        'select count(*) as n from healthcare_professional',
      )
      const [{ n: users }] = await sql.query<{ n: number }>('select count(*) as n from users')
      return { hcps: Number(hcps), users: Number(users) }
    }

    beforeAll(async () => {
      server = await startServer({ databaseUrl: backend.databaseUrl })
      sql = await rawSql(server)
    })
    afterAll(async () => {
      await sql?.close()
      await disposeServer(server)
    })

    it('writes the credentials file (mode 600) and the professional works', async () => {
      const out = join(server.dataDir, 'first.json')
      const loginName = uniqueLogin('cli')
      const result = await createHcp(['--login', loginName, '--out', out])
      expect(result.code, result.stderr).toBe(0)
      expect((await stat(out)).mode & 0o777).toBe(0o600)
      const file = JSON.parse(await readFile(out, 'utf8')) as HcpCredentialsFile
      const api = await login(server, file.login, file.password, [file.keyPair])
      expect((await api.userApi.getLoggedUser()).healthcarePartyId).toBe(file.healthcareProfessionalId)
      expect(
        api.dataOwnerApi.getPublicKeysOf(await api.dataOwnerApi.getDataOwner(file.healthcareProfessionalId)),
      ).toEqual([file.keyPair.publicKey])
    })

    it('refuses to overwrite --out without --force, before calling the server; replaces it with --force', async () => {
      const out = join(server.dataDir, 'kept.json')
      await writeFile(out, 'precious\n', { mode: 0o600 })
      const before = await counts()
      const refused = await createHcp(['--login', uniqueLogin('cli'), '--out', out])
      expect(refused.code).toBe(1)
      expect(refused.stderr).toMatch(
        /refusing to overwrite .*kept\.json: it exists \(pass --force to replace it\)/,
      )
      expect(await readFile(out, 'utf8')).toBe('precious\n')
      expect(await counts()).toEqual(before)

      const forced = await createHcp(['--login', uniqueLogin('cli'), '--out', out, '--force'])
      expect(forced.code, forced.stderr).toBe(0)
      expect((JSON.parse(await readFile(out, 'utf8')) as HcpCredentialsFile).keyPair.privateKey).toMatch(
        /^[0-9a-f]+$/,
      )
      expect((await stat(out)).mode & 0o777).toBe(0o600)
      expect(await counts()).toEqual({ hcps: before.hcps + 1, users: before.users + 1 })
      // No temporary file is left next to it.
      expect((await readdir(server.dataDir)).filter((f) => f.endsWith('.tmp'))).toEqual([])
    })

    it('fails before calling the server when --out cannot be written', async () => {
      const before = await counts()
      const result = await createHcp([
        '--login',
        uniqueLogin('cli'),
        '--out',
        join(server.dataDir, 'no-such-dir', 'x.json'),
      ])
      expect(result.code).toBe(1)
      expect(result.stderr).toMatch(/cannot write .*x\.json/)
      expect(await counts()).toEqual(before)
    })

    it('leaves no professional behind when its user is refused (one transaction), nor an empty --out file', async () => {
      const taken = uniqueLogin('cli')
      const first = await createHcp(['--login', taken, '--out', join(server.dataDir, 'taken.json')])
      expect(first.code, first.stderr).toBe(0)
      const before = await counts()
      const out = join(server.dataDir, 'second.json')
      const second = await createHcp(['--login', taken, '--out', out])
      expect(second.code).toBe(1)
      expect(second.stderr).toMatch(/409 - A user with this id, login, email or phone already exists/)
      expect(await counts()).toEqual(before)
      await expect(stat(out)).rejects.toMatchObject({ code: 'ENOENT' })
    })
  })
}
