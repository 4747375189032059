import { afterAll, describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { BACKENDS } from '../support/backends.ts'
import {
  SOURCE_NODE_ARGS,
  disposeServer,
  startServer,
  type ServerProcess,
} from '../support/server-process.ts'

/**
 * The first start of `cairn serve` on an empty database: the admin is created only once the server
 * listens, so a start that cannot listen (port taken) leaves no admin whose generated password nobody
 * saw; the password goes to stderr in a framed message, never into the JSON log on stdout. And the
 * log format follows stdout: pretty on a terminal, JSON lines on a pipe.
 */

const ROOT = new URL('../..', import.meta.url).pathname

/** Runs `cairn serve` until it exits (within 30 s); its exit code and what it printed. */
function serveUntilExit(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [...SOURCE_NODE_ARGS, 'packages/cli/src/main.ts', 'serve', ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    }),
  )
}

/** A TCP port that something else already listens on. */
async function takenPort(): Promise<{ port: number; server: Server }> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { port: (server.address() as { port: number }).port, server }
}

const loginStatus = (url: string, password: string) =>
  fetch(`${url}/rest/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password }),
  }).then((r) => r.status)

for (const backend of BACKENDS) {
  describe.skipIf(!backend.enabled)(`first start of cairn serve (${backend.name})`, () => {
    const servers: ServerProcess[] = []
    afterAll(async () => {
      for (const s of servers) await disposeServer(s)
    })

    it('creates no admin when it cannot listen; the next start creates it and shows its password on stderr only', async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'cairn-first-start-'))
      const pgSchema = backend.databaseUrl ? `e2e_${randomBytes(6).toString('hex')}` : undefined
      const env: Record<string, string> = {
        ...(process.env as Record<string, string>),
        CAIRN_DATA_DIR: dataDir,
      }
      delete env.CAIRN_ADMIN_PASSWORD
      delete env.DATABASE_URL
      if (backend.databaseUrl)
        Object.assign(env, { DATABASE_URL: backend.databaseUrl, CAIRN_PG_SCHEMA: pgSchema })
      const busy = await takenPort()
      try {
        const failed = await serveUntilExit(['--port', String(busy.port)], env)
        expect(failed.code).toBe(1)
        expect(failed.stderr).toMatch(/EADDRINUSE/)
        expect(failed.stdout + failed.stderr).not.toMatch(/password/i)
      } finally {
        busy.server.close()
      }

      // Same database: it is still empty, so this start creates the admin and shows its password.
      const started = await startServer({
        dataDir,
        pgSchema,
        databaseUrl: backend.databaseUrl,
        generatedAdminPassword: true,
      })
      servers.push(started)
      const printed = /password: (\S+)\s+\(shown once/.exec(started.stderr())
      expect(printed, started.output()).not.toBeNull()
      const password = printed![1]
      // Framed on stderr, and nowhere on stdout (the JSON log a collector keeps).
      expect(started.stderr()).toMatch(/={20,}\n {2}Cairn: created the admin user/)
      expect(started.stdout()).not.toContain(password)
      expect(started.stdout()).not.toMatch(/shown once/)
      // stdout is a pipe here: the log is JSON lines (CAIRN_LOG_FORMAT=auto).
      expect(started.stdout()).toMatch(/^\{"level":30,.*"msg":"Server listening at /m)
      expect(await loginStatus(started.url, password)).toBe(200)

      // The banner came after the server listened: a restart on the same data creates nothing more.
      expect(await started.stop()).toBe(0)
      const again = await startServer({
        dataDir,
        pgSchema,
        databaseUrl: backend.databaseUrl,
        generatedAdminPassword: true,
      })
      servers.push(again)
      expect(again.output()).not.toMatch(/shown once/)
      expect(await loginStatus(again.url, password)).toBe(200)
    })
  })
}

describe('log format of cairn serve', () => {
  it('prints pretty lines on a terminal (JSON lines on a pipe: see the first start above)', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'cairn-log-format-'))
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      CAIRN_DATA_DIR: dataDir,
      CAIRN_ADMIN_PASSWORD: 'log-format-admin-pw',
    }
    delete env.DATABASE_URL
    delete env.CAIRN_LOG_FORMAT
    try {
      // `script` runs the server on a pseudo-terminal: its stdout is a TTY, as in a shell.
      const command = [
        process.execPath,
        ...SOURCE_NODE_ARGS,
        'packages/cli/src/main.ts',
        'serve',
        '--port',
        '0',
      ]
      const child = spawn('script', ['-qefc', command.join(' '), '/dev/null'], {
        cwd: ROOT,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      })
      let out = ''
      child.stdout.on('data', (d: Buffer) => (out += d.toString()))
      const closed = new Promise((resolve) => child.once('close', resolve))
      for (let i = 0; i < 300 && !/Cairn server listening on/.test(out); i++)
        await new Promise((r) => setTimeout(r, 100))
      process.kill(-child.pid!, 'SIGTERM')
      await closed
      expect(out).toMatch(/Cairn server listening on/)
      // pino-pretty: "[HH:MM:ss.mmm] INFO: Server listening at ...", no JSON object per line.
      expect(out).toMatch(/\[\d\d:\d\d:\d\d\.\d{3}\] .*INFO.*: .*Server listening at/)
      expect(out).not.toMatch(/\{"level":30/)
    } finally {
      await rm(dataDir, { recursive: true, force: true })
    }
  })
})
