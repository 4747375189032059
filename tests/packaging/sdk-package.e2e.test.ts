import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createHcp, type HcpCredentialsFile } from '../../packages/cli/src/commands/create-hcp.ts'
import { disposeServer, startServer, type ServerProcess } from '../support/server-process.ts'

/**
 * @cairn/sdk is a real package: the npm tarballs of protocol, crypto and sdk (as `npm publish` would
 * upload them, built by `npm run build`) are installed into three apps outside the repository (plain
 * ESM JavaScript, CommonJS, strict TypeScript). Each app runs against a real server: HCP A creates
 * a patient with a note and a data sample, shares both with HCP B, and B reads them back.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const APPS = join(ROOT, 'tests/packaging/apps')
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc')
const PACKAGES = ['protocol', 'crypto', 'sdk']

/** Temp dir outside the repository: the tarballs and one directory per app. */
let work: string
/** Started while the apps install; afterAll stops it even when the setup failed. */
let serverStarting: Promise<ServerProcess> | undefined
let server: ServerProcess | undefined
/** Files in each package's tarball, as `npm pack` lists them. */
const packed: Record<string, string[]> = {}
const apps: Record<'esm' | 'cjs' | 'ts', string> = { esm: '', cjs: '', ts: '' }

interface Run {
  command: string
  code: number | null
  stdout: string
  stderr: string
}

/** Runs a command to its end; never rejects (the caller asserts on the exit code). */
function run(file: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { ...options, timeout: 150_000, maxBuffer: 16 * 2 ** 20 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0
        resolve({
          command: `${file} ${args.join(' ')}`,
          code,
          stdout,
          stderr: stderr || (error?.message ?? ''),
        })
      },
    )
  })
}

/** Like run(), but throws (with the output) unless the command succeeds: for the setup steps. */
async function mustRun(file: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }) {
  const r = await run(file, args, options)
  if (r.code !== 0)
    throw new Error(`\`${r.command}\` in ${options.cwd} exited with ${r.code}:\n${r.stderr}\n${r.stdout}`)
  return r
}

/**
 * Environment of npm and of the apps: this process's, without NODE_OPTIONS and the `npm_*`
 * variables that describe the repository's package when the tests run under `npm test`.
 */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env))
    if (!/^npm_(package|lifecycle|config_local_prefix)/i.test(k)) env[k] = v
  delete env.NODE_OPTIONS
  return { ...env, ...extra }
}

/** An app directory outside the repository with the tarballs installed. */
async function makeApp(name: string, packageJson: object, tarballs: string[]): Promise<string> {
  const dir = join(work, name)
  await mkdir(dir)
  await writeFile(
    join(dir, 'package.json'),
    JSON.stringify({ name: `cairn-${name}-app`, private: true, ...packageJson }, null, 2),
  )
  await mustRun('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...tarballs], {
    cwd: dir,
    env: cleanEnv(),
  })
  return dir
}

/** The environment variables that give an HCP's login, password and hex key pair to an app. */
function credentialsEnv(who: 'A' | 'B', c: HcpCredentialsFile): Record<string, string> {
  return {
    [`HCP_${who}_LOGIN`]: c.login,
    [`HCP_${who}_PASSWORD`]: c.password,
    [`HCP_${who}_PRIVATE_KEY`]: c.keyPair.privateKey,
    [`HCP_${who}_PUBLIC_KEY`]: c.keyPair.publicKey,
  }
}

/** Two new HCPs (users and key pairs created here) and the environment that gives them to an app. */
async function appEnv(server: ServerProcess, app: string) {
  const hcp = (who: string): Promise<HcpCredentialsFile> =>
    createHcp({
      url: server.url,
      adminLogin: server.adminLogin,
      adminPassword: server.adminPassword,
      login: `${app}-${who}-${randomBytes(4).toString('hex')}@example.org`,
      firstName: `${app} ${who}`,
      lastName: 'Packaging',
    })
  const [a, b] = await Promise.all([hcp('a'), hcp('b')])
  const expected = {
    note: `note written by the ${app} app ${randomBytes(4).toString('hex')}`,
    sampleText: `sample of the ${app} app ${randomBytes(4).toString('hex')}`,
  }
  const env = cleanEnv({
    CAIRN_URL: server.url,
    NOTE: expected.note,
    SAMPLE_TEXT: expected.sampleText,
    ...credentialsEnv('A', a),
    ...credentialsEnv('B', b),
  })
  return { env, expected: { ...expected, sharedWith: b.healthcareProfessionalId, isDataSample: true } }
}

/** Runs an app and returns the JSON line it printed; fails with its stderr if it did not exit with 0. */
async function runApp(dir: string, args: string[], env: NodeJS.ProcessEnv): Promise<unknown> {
  const r = await run(process.execPath, args, { cwd: dir, env })
  expect(r.code, `${r.command} failed:\n${r.stderr}\n${r.stdout}`).toBe(0)
  const lines = r.stdout.trim().split('\n')
  return JSON.parse(lines[lines.length - 1])
}

describe('@cairn/sdk as an installed npm package', () => {
  beforeAll(async () => {
    for (const p of PACKAGES) {
      if (!existsSync(join(ROOT, 'packages', p, 'dist/index.js')))
        throw new Error(`packages/${p}/dist is missing: run \`npm run build\` first (\`npm test\` does)`)
    }
    work = await mkdtemp(join(tmpdir(), 'cairn-packaging-'))
    serverStarting = startServer()
    const tarballs: string[] = []
    // --ignore-scripts: pack what `npm run build` made (prepack would rebuild dist/ while other
    // test files may be using it).
    for (const p of PACKAGES) {
      const { stdout } = await mustRun(
        'npm',
        ['pack', '--json', '--ignore-scripts', '--pack-destination', work],
        { cwd: join(ROOT, 'packages', p), env: cleanEnv() },
      )
      const [info] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[]
      tarballs.push(join(work, info.filename))
      packed[p] = info.files.map((f) => f.path).sort()
    }
    const [esm, cjs, ts] = await Promise.all([
      makeApp('esm', { type: 'module' }, tarballs),
      makeApp('cjs', { type: 'commonjs' }, tarballs),
      makeApp('ts', { type: 'module' }, tarballs),
    ])
    Object.assign(apps, { esm, cjs, ts })
    await copyFile(join(APPS, 'app.mjs'), join(esm, 'app.mjs'))
    await copyFile(join(APPS, 'app.cjs'), join(cjs, 'app.cjs'))
    await copyFile(join(APPS, 'app.ts'), join(ts, 'app.ts'))
    await writeFile(
      join(ts, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          // A Node-only project: no DOM library here. The SDK's declarations reference it themselves
          // for the WebCrypto and fetch types they use.
          lib: ['ES2023'],
          types: [],
          skipLibCheck: false,
          outDir: 'out',
        },
        files: ['app.ts'],
      }),
    )
    server = await serverStarting
  }, 300_000)

  afterAll(async () => {
    await disposeServer(await serverStarting?.catch(() => undefined))
    if (work) await rm(work, { recursive: true, force: true })
  })

  it('each tarball holds the build (ESM, CommonJS, declarations) and a README, not the sources', () => {
    for (const p of PACKAGES) {
      expect(packed[p], p).toEqual(
        expect.arrayContaining([
          'package.json',
          'dist/index.js',
          'dist/index.cjs',
          'dist/index.d.ts',
          'dist/index.d.cts',
          'README.md',
        ]),
      )
      expect(
        packed[p].filter((f) => !f.startsWith('dist/') && f !== 'package.json' && f !== 'README.md'),
        p,
      ).toEqual([])
    }
  })

  it('each package declares every package its build imports as a dependency', async () => {
    for (const p of PACKAGES) {
      const dir = join(ROOT, 'packages', p)
      const { dependencies = {} } = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as {
        dependencies?: Record<string, string>
      }
      const imported = new Set<string>()
      for (const file of ['index.js', 'index.cjs', 'index.d.ts', 'index.d.cts']) {
        const code = await readFile(join(dir, 'dist', file), 'utf8')
        for (const m of code.matchAll(
          /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^import\s*)["']([^"'.\s][^"'\s]*)["']/gm,
        )) {
          const spec = m[1]
          if (spec.startsWith('node:')) continue
          imported.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0])
        }
      }
      expect(
        [...imported].filter((name) => !(name in dependencies)),
        `undeclared in packages/${p}`,
      ).toEqual([])
      // Workspace packages are depended on by a published version, never by a path.
      for (const [name, range] of Object.entries(dependencies))
        if (name.startsWith('@cairn/')) expect(range, `${p} -> ${name}`).toMatch(/^\d+\.\d+\.\d+$/)
    }
  })

  it('a plain-JavaScript ESM app: create, share, read', { timeout: 180_000 }, async () => {
    const { env, expected } = await appEnv(server!, 'esm')
    expect(await runApp(apps.esm, ['app.mjs'], env)).toEqual({ app: 'esm', ...expected })
  })

  it('a CommonJS app (require): create, share, read', { timeout: 180_000 }, async () => {
    const { env, expected } = await appEnv(server!, 'cjs')
    expect(await runApp(apps.cjs, ['app.cjs'], env)).toEqual({ app: 'cjs', ...expected })
  })

  it('a strict TypeScript app compiled with tsc: create, share, read', { timeout: 180_000 }, async () => {
    const tsc = await run(process.execPath, [TSC, '-p', apps.ts], { cwd: apps.ts, env: cleanEnv() })
    expect(tsc.code, `tsc failed:\n${tsc.stdout}\n${tsc.stderr}`).toBe(0)
    const { env, expected } = await appEnv(server!, 'ts')
    expect(await runApp(apps.ts, ['out/app.js'], env)).toEqual({ app: 'ts', ...expected })
  })
})
