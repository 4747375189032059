import { afterAll, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Patient } from '@cairn/sdk'
import {
  SOURCE_NODE_ARGS,
  disposeServer,
  startServer,
  type ServerProcess,
} from '../support/server-process.ts'
import { login } from '../support/actors.ts'
import type { HcpCredentialsFile } from '../../packages/cli/src/commands/create-hcp.ts'

const run = promisify(execFile)
const ROOT = new URL('../..', import.meta.url).pathname

/** Runs the `cairn` command from its sources (no build needed). */
const cairn = (args: string[]) =>
  run(process.execPath, [...SOURCE_NODE_ARGS, 'packages/cli/src/main.ts', ...args], {
    cwd: ROOT,
    env: process.env,
  })

describe('bootstrap and the cairn CLI', () => {
  const servers: ServerProcess[] = []
  afterAll(async () => {
    for (const s of servers) await disposeServer(s)
  })

  it('prints the generated admin credentials once, creates a doctor with create-hcp, and the doctor works', async () => {
    const first = await startServer({ generatedAdminPassword: true })
    servers.push(first)
    const printed = /password: (\S+)\s+\(shown once/.exec(first.output())
    expect(printed).not.toBeNull()
    const adminPassword = printed![1]
    expect(first.output()).not.toMatch(/"level".*password/i)

    const out = join(first.dataDir, 'doctor.json')
    const { stdout } = await cairn([
      'create-hcp',
      '--url',
      first.url,
      '--admin-login',
      'admin',
      '--admin-password',
      adminPassword,
      '--login',
      'jane@example.org',
      '--first-name',
      'Jane',
      '--last-name',
      'Doe',
      '--out',
      out,
    ])
    expect(stdout).toMatch(/Created healthcare professional/)
    expect((await stat(out)).mode & 0o777).toBe(0o600)
    const file = JSON.parse(await readFile(out, 'utf8')) as HcpCredentialsFile
    expect(file.keyPair.privateKey).toMatch(/^[0-9a-f]+$/)
    expect(file.keyPair.publicKey).toMatch(/^[0-9a-f]+$/)
    // The server only ever saw the public key.
    expect(first.output()).not.toContain(file.keyPair.privateKey)

    const api = await login(first, file.login, file.password, [file.keyPair])
    const hcp = await api.healthcareProfessionalApi.getHealthcareProfessional(file.healthcareProfessionalId)
    expect(hcp.lastName).toBe('Doe')
    expect(api.dataOwnerApi.getPublicKeysOf(await api.dataOwnerApi.getDataOwner(hcp.id!))).toEqual([
      file.keyPair.publicKey,
    ])
    const patient = await api.patientApi.createOrModifyPatient(
      new Patient({ firstName: 'A', lastName: 'B', note: 'n' }),
    )
    expect((await api.patientApi.getPatient(patient.id!)).note).toBe('n')

    // A restart on the same data keeps the admin and prints no credentials.
    expect(await first.stop()).toBe(0)
    expect(first.output()).toMatch(/Received SIGTERM, shutting down/)
    const again = await startServer({ dataDir: first.dataDir, generatedAdminPassword: true })
    servers.push(again)
    expect(again.output()).not.toMatch(/shown once/)
    const res = await fetch(`${again.url}/rest/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: adminPassword }),
    })
    expect(res.status).toBe(200)
  })

  it('the installed cairn command runs the build (npm links packages/cli/bin/cairn.js)', async () => {
    const installed = (args: string[]) => run(join(ROOT, 'node_modules/.bin/cairn'), args, { cwd: ROOT })
    const { stdout } = await installed(['--help'])
    expect(stdout).toMatch(/Usage: cairn <command>/)
    expect(stdout).toMatch(/create-hcp/)
    expect(stdout).toMatch(/--version/)

    const { version } = JSON.parse(await readFile(join(ROOT, 'packages/cli/package.json'), 'utf8')) as {
      version: string
    }
    expect(version).toMatch(/^\d+\.\d+\.\d+/)
    for (const flag of ['--version', '-v']) {
      const printed = await installed([flag])
      expect(printed.stdout).toBe(`${version}\n`)
      expect(printed.stderr).toBe('')
    }
    // The sources answer the same.
    expect((await cairn(['--version'])).stdout).toBe(`${version}\n`)

    // --help and --version load no sub-command: the built entry statically imports Node builtins
    // only; the server and the SDK come with the lazily imported chunk of their sub-command.
    const main = await readFile(join(ROOT, 'packages/cli/dist/main.js'), 'utf8')
    const staticImports = [...main.matchAll(/^import\b[^'"]*['"]([^'"]+)['"]/gm)].map((m) => m[1])
    expect(staticImports.filter((s) => !s.startsWith('node:'))).toEqual([])
    expect(main).toMatch(/await import\(["']\.\/serve-[\w-]+\.js["']\)/)
  })

  it('create-hcp says what is missing', async () => {
    const error = await cairn(['create-hcp', '--login', 'x@example.org']).then(
      () => undefined,
      (e: { stderr: string; code: number }) => e,
    )
    expect(error?.code).toBe(1)
    expect(error?.stderr).toMatch(/missing option\(s\): --first-name, --last-name, --out/)
  })
})
