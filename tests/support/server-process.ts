import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { dropPgSchema } from '../../packages/server/src/storage/drop-pg-schema.ts'

/** A Cairn server running as its own process, as users run it (`cairn serve`). */
export interface ServerProcess {
  url: string
  adminLogin: string
  adminPassword: string
  dataDir: string
  /** PostgreSQL schema used by this server, when on PostgreSQL. */
  pgSchema?: string
  databaseUrl?: string
  /** Everything the process printed (stdout and stderr): its log. */
  output(): string
  /** What it printed on stdout alone: the JSON log (and the "listening" line). */
  stdout(): string
  /** What it printed on stderr alone: messages for the person at the terminal (the admin password). */
  stderr(): string
  /** Sends `signals` (default SIGTERM) 50 ms apart, then waits for the process to exit; its exit code. */
  stop(signals?: NodeJS.Signals[]): Promise<number | null>
  /** SIGKILL, as a crash or a power cut of the process would; resolves once it is gone. */
  kill(): Promise<void>
}

const ROOT = new URL('../..', import.meta.url).pathname

/**
 * Node.js flags that run the TypeScript sources: tsx, and the "@cairn/source" export condition so
 * that workspace packages (@cairn/server...) resolve to their sources too, never to a stale dist/.
 */
export const SOURCE_NODE_ARGS = ['--conditions=@cairn/source', '--import', 'tsx']

/**
 * Starts `cairn serve` on a free port with a fresh SQLite data dir, or on PostgreSQL (a fresh
 * schema) when `databaseUrl` is given, and waits until it listens.
 */
export async function startServer(
  options: {
    databaseUrl?: string
    env?: Record<string, string>
    /** Reuse a data dir (a restart); a fresh one otherwise. */
    dataDir?: string
    /** Reuse a PostgreSQL schema (a restart); a fresh one otherwise. */
    pgSchema?: string
    /** Let the server generate and print the admin password instead of setting CAIRN_ADMIN_PASSWORD. */
    generatedAdminPassword?: boolean
    /** Extra Node.js flags for the server process (e.g. `--cpu-prof` to profile it). */
    nodeArgs?: string[]
  } = {},
): Promise<ServerProcess> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'cairn-e2e-')))
  const adminPassword = options.generatedAdminPassword ? '' : randomBytes(12).toString('hex')
  const pgSchema = options.databaseUrl
    ? (options.pgSchema ?? `e2e_${randomBytes(6).toString('hex')}`)
    : undefined
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    CAIRN_DATA_DIR: dataDir,
    ...(adminPassword ? { CAIRN_ADMIN_PASSWORD: adminPassword } : {}),
    LOG_LEVEL: 'info',
    ...(options.env ?? {}),
  }
  delete env.DATABASE_URL
  if (!adminPassword) delete env.CAIRN_ADMIN_PASSWORD
  if (options.databaseUrl) {
    env.DATABASE_URL = options.databaseUrl
    env.CAIRN_PG_SCHEMA = pgSchema!
  }
  const child: ChildProcess = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), ...SOURCE_NODE_ARGS, 'packages/cli/src/main.ts', 'serve', '--port', '0'],
    {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let out = ''
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString()
    stdout += d.toString()
  })
  child.stderr!.on('data', (d: Buffer) => {
    out += d.toString()
    stderr += d.toString()
  })
  // 'close' (not 'exit'): fires once stdout and stderr are fully read, so output() is complete.
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 30 s:\n${out}`)), 30_000)
    const check = () => {
      const m = /Cairn server listening on (\S+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        child.stdout!.off('data', check)
        resolve(m[1])
      }
    }
    child.stdout!.on('data', check)
    // `exited` never rejects: nothing to catch.
    void exited.then((code) => reject(new Error(`server exited with ${code}:\n${out}`)))
  })
  return {
    url,
    adminLogin: 'admin',
    adminPassword,
    dataDir,
    pgSchema,
    databaseUrl: options.databaseUrl,
    output: () => out,
    stdout: () => stdout,
    stderr: () => stderr,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      await exited
    },
    stop: async (signals: NodeJS.Signals[] = ['SIGTERM']) => {
      for (const [i, signal] of signals.entries()) {
        if (child.exitCode !== null || child.signalCode !== null) break
        if (i > 0) await new Promise((r) => setTimeout(r, 50))
        child.kill(signal)
      }
      const code = await exited
      return code
    },
  }
}

/** Stops the server and removes what it stored: its data dir and its PostgreSQL schema. */
export async function disposeServer(server: ServerProcess | undefined): Promise<void> {
  if (!server) return
  await server.stop()
  await rm(server.dataDir, { recursive: true, force: true })
  if (server.databaseUrl && server.pgSchema) await dropPgSchema(server.databaseUrl, server.pgSchema)
}
