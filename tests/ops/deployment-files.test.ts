import { describe, expect, it } from 'vitest'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { loadConfig } from '@cairn/server'

/**
 * The Dockerfile and compose.yaml at the root (docs/production.md, "Docker"), checked without a
 * Docker engine (none runs where the tests run, so the image is not built here): what they name
 * must exist and be what the server reads. Every variable they set is one the server's
 * configuration reads; the image runs as an unprivileged user; every file the Dockerfile copies
 * from the repository exists and is not excluded by .dockerignore; compose starts Cairn only once
 * PostgreSQL is healthy, keeps data in named volumes and takes its secrets from `.env`.
 */

const ROOT = new URL('../..', import.meta.url).pathname
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8')

/** Every environment variable loadConfig reads, recorded by handing it an environment that logs reads. */
function variablesTheServerReads(): Set<string> {
  const seen = new Set<string>()
  const env = new Proxy<NodeJS.ProcessEnv>(
    {},
    {
      get(_target, name) {
        if (typeof name === 'string') seen.add(name)
        return undefined
      },
    },
  )
  loadConfig(env)
  return seen
}

/** The Dockerfile's instructions, continuation lines joined, comments dropped. */
function dockerInstructions(): { op: string; args: string }[] {
  return read('Dockerfile')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const [op, ...rest] = l.split(/\s+/)
      return { op: op.toUpperCase(), args: rest.join(' ') }
    })
}

/** `KEY=value KEY2=value` pairs of an ENV instruction. */
const envKeys = (args: string) => [...args.matchAll(/([A-Z_][A-Z0-9_]*)=/g)].map((m) => m[1])

describe('deployment files', () => {
  const known = variablesTheServerReads()

  it('the variables the server reads include the ones this test relies on (the recorder works)', () => {
    for (const name of ['DATABASE_URL', 'CAIRN_DATA_DIR', 'CAIRN_JWT_SECRET', 'CAIRN_TRUST_PROXY', 'PORT'])
      expect(known).toContain(name)
  })

  it('Dockerfile: multi-stage from node 22 slim, non-root, a data volume, a health check, cairn serve', () => {
    const steps = dockerInstructions()
    const froms = steps.filter((s) => s.op === 'FROM')
    expect(froms.length).toBeGreaterThanOrEqual(2)
    const args = Object.fromEntries(
      steps.filter((s) => s.op === 'ARG').map((s) => s.args.split('=') as [string, string]),
    )
    for (const from of froms) {
      const image = from.args.split(/\s+/)[0].replace(/^\$\{(\w+)\}$/, (_m, name: string) => args[name])
      // Node 22 (LTS; Node 20's support ended in April 2026), allowed by the engines field.
      expect(image).toMatch(/^node:22[.\d]*-[a-z]+-slim$/)
    }
    // The final stage is the image: its USER (the last one) is neither root nor uid 0.
    const final = steps.slice(steps.lastIndexOf(froms.at(-1)!))
    const user = final.filter((s) => s.op === 'USER').at(-1)
    expect(user, 'the final stage sets a USER').toBeDefined()
    expect(user!.args.split(':')[0]).not.toMatch(/^(root|0)$/)
    // The variables the image sets are the server's (NODE_ENV aside).
    const env = final.filter((s) => s.op === 'ENV').flatMap((s) => envKeys(s.args))
    expect(env.filter((name) => name !== 'NODE_ENV' && !known.has(name))).toEqual([])
    const dataDir = /CAIRN_DATA_DIR=(\S+)/.exec(final.find((s) => s.op === 'ENV')!.args)![1]
    expect(final.find((s) => s.op === 'VOLUME')?.args).toContain(dataDir)
    expect(final.find((s) => s.op === 'HEALTHCHECK')?.args).toContain('/health')
    expect(final.find((s) => s.op === 'ENTRYPOINT')?.args).toContain('cairn')
    expect(final.find((s) => s.op === 'CMD')?.args).toContain('serve')
    // Production dependencies only in the image: they come from the stage that omits the others.
    expect(steps.some((s) => s.op === 'RUN' && s.args.includes('npm ci --omit=dev'))).toBe(true)
    // The built web console is in the image, where CAIRN_CONSOLE_DIR points.
    const consoleDir = /CAIRN_CONSOLE_DIR=(\S+)/.exec(final.find((s) => s.op === 'ENV')!.args)![1]
    expect(final.some((s) => s.op === 'COPY' && s.args.endsWith(' console'))).toBe(true)
    expect(consoleDir).toBe('/app/console')
  })

  it('Dockerfile: every file it copies exists and is sent to the build (.dockerignore)', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'))
    // A pattern excludes a path it matches and everything under it; `**/` matches any folders, `*`
    // anything within one name (what Docker's patterns mean for the ones used here).
    const patterns = ignored.map(
      (pattern) =>
        new RegExp(
          `^${pattern
            .split('**/')
            .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*'))
            .join('(?:.*/)?')}(?:/.*)?$`,
        ),
    )
    const isIgnored = (path: string) => patterns.some((re) => re.test(path))
    const copies = dockerInstructions().filter((s) => s.op === 'COPY')
    expect(copies.length).toBeGreaterThan(5)
    for (const copy of copies) {
      const parts = copy.args.split(/\s+/)
      const from = parts.find((p) => p.startsWith('--from='))?.slice('--from='.length)
      const sources = parts.filter((p) => !p.startsWith('--')).slice(0, -1)
      for (const source of sources) {
        if (from === 'build' && source.startsWith('/src/')) {
          // Made by `npm run build` in that stage (a package's dist/), or copied into it from here.
          const path = source.slice('/src/'.length)
          const dist = /^packages\/([a-z]+)\/dist$/.exec(path)
          if (dist) {
            const pkg = JSON.parse(read(`packages/${dist[1]}/package.json`)) as {
              scripts?: { build?: string }
            }
            expect(pkg.scripts?.build, `${path} is built`).toBeDefined()
          } else if (!path.startsWith('node_modules/')) {
            expect(existsSync(join(ROOT, path)), `${source} exists`).toBe(true)
          }
        } else if (from === undefined) {
          expect(existsSync(join(ROOT, source)), `${source} exists`).toBe(true)
          expect(isIgnored(source), `${source} is not in .dockerignore`).toBe(false)
        }
      }
    }
    // Installed and built files, secrets and data never go to the build.
    for (const path of ['node_modules', 'packages/server/dist', '.env', '.cairn', '.git'])
      expect(isIgnored(path), `${path} is in .dockerignore`).toBe(true)
  })

  it('compose.yaml: Cairn after a healthy PostgreSQL, named volumes, server variables, secrets from .env', () => {
    const compose = parse(read('compose.yaml')) as {
      services: Record<
        string,
        {
          image?: string
          build?: string
          environment?: Record<string, string>
          depends_on?: Record<string, { condition: string }>
          healthcheck?: { test: string[] }
          volumes?: string[]
          ports?: string[]
        }
      >
      volumes: Record<string, unknown>
    }
    const { cairn, postgres } = compose.services
    expect(postgres.image).toMatch(/^postgres:\d+/)
    expect(postgres.healthcheck?.test.join(' ')).toContain('pg_isready')
    expect(cairn.build).toBe('.')
    expect(cairn.depends_on?.postgres.condition).toBe('service_healthy')
    // Every variable given to Cairn is one the server reads.
    const env = cairn.environment ?? {}
    expect(Object.keys(env).filter((name) => !known.has(name))).toEqual([])
    expect(env.DATABASE_URL).toMatch(
      /^postgres:\/\/cairn:\$\{POSTGRES_PASSWORD:\?[^}]*\}@postgres:5432\/cairn$/,
    )
    // Secrets are never written in the file: required ones come from .env, or Compose refuses to start.
    for (const secret of ['CAIRN_JWT_SECRET', 'CAIRN_ADMIN_PASSWORD'])
      expect(env[secret]).toMatch(new RegExp(`^\\$\\{${secret}:\\?`))
    expect(postgres.environment?.POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD:\?/)
    // Each variable compose.yaml takes from .env is listed in .env.example.
    const example = read('.env.example')
    for (const [, name] of read('compose.yaml').matchAll(/\$\{([A-Z_]+)[:}]/g))
      expect(example, `${name} in .env.example`).toMatch(new RegExp(`^${name}=`, 'm'))
    // Data in named volumes, declared at the top level.
    for (const service of [cairn, postgres])
      for (const volume of service.volumes ?? []) expect(compose.volumes).toHaveProperty(volume.split(':')[0])
    expect(cairn.volumes?.some((v) => v.endsWith(':/var/lib/cairn'))).toBe(true)
    // Published on the host's loopback only: the TLS proxy is the way in.
    expect(cairn.ports?.every((p) => p.startsWith('127.0.0.1:'))).toBe(true)
  })
})
