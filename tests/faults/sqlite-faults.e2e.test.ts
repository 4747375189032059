import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { closeSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { startServer, disposeServer, type ServerProcess } from '../support/server-process.ts'
import { timedRequest, type TimedReply } from '../support/timed-request.ts'

/**
 * A Cairn server on embedded SQLite whose data directory fills up, is locked by another process, or
 * is read-only. The data directory is a small tmpfs the test mounts (the tests run as root, as CI
 * does), so the disk really is full. Writes must fail with a clear 507/503 and Retry-After (never a
 * 500), reads go on working, the fault is logged once with the data path, /health stays alive while
 * /ready tells the truth, and writes work again once the fault is gone.
 */

type Reply = TimedReply

/** A tmpfs of `size` mounted on a fresh folder; `unmount` removes it. */
function mountTmpfs(size: string): { dir: string; unmount: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-fault-'))
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir])
  return {
    dir,
    unmount: () => {
      execFileSync('umount', ['-l', dir])
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Writes zeros into `file` until the file system is full. */
function fill(file: string): void {
  const fd = openSync(file, 'w')
  const block = Buffer.alloc(256 * 1024)
  try {
    for (;;) writeSync(fd, block)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error
    // Fill the last partial block too.
    for (const size of [65536, 4096, 512, 1]) {
      try {
        for (;;) writeSync(fd, block.subarray(0, size))
      } catch {
        // full at this granularity: try a smaller one
      }
    }
  } finally {
    closeSync(fd)
  }
}

describe('SQLite faults in a real data directory', () => {
  let mount: { dir: string; unmount: () => void }
  let server: ServerProcess
  let token: string

  const request = (method: string, path: string, json?: unknown): Promise<Reply> =>
    timedRequest(server.url, token, method, path, json)
  // A few kilobytes per write so that the write-ahead log has to grow.
  const createHcp = (id = randomUUID()) =>
    request('POST', '/rest/v1/hcparty', { id, firstName: 'Fault', lastName: 'x'.repeat(4000) })

  beforeAll(async () => {
    mount = mountTmpfs('24m')
    server = await startServer({
      dataDir: mount.dir,
      env: { CAIRN_SQLITE_MIN_FREE_BYTES: String(4 * 1024 * 1024), CAIRN_SQLITE_BUSY_TIMEOUT_MS: '300' },
    })
    const login = await request('POST', '/rest/v1/auth/login', {
      username: server.adminLogin,
      password: server.adminPassword,
    })
    expect(login.status).toBe(200)
    token = (login.body as { token: string }).token
  })

  afterAll(async () => {
    await server?.stop()
    mount?.unmount()
    await disposeServer(server)
  })

  it('disk full: writes 507 with Retry-After, reads work, logged once, /ready 507, healed when freed', async () => {
    const before = randomUUID()
    expect((await createHcp(before)).status).toBe(200)
    const filler = join(mount.dir, 'filler')
    fill(filler)
    try {
      const failures: Reply[] = []
      // The log may reuse its space after a checkpoint, so some writes can still fit: write until
      // the disk refuses, and check every refusal.
      for (let i = 0; i < 200 && failures.length < 5; i++) {
        const r = await createHcp()
        if (r.status !== 200) failures.push(r)
      }
      expect(failures.length).toBeGreaterThan(0)
      for (const r of failures) {
        expect(r.status, JSON.stringify(r.body)).toBe(507)
        expect(r.body.error?.code).toBe('INSUFFICIENT_STORAGE')
        expect(r.body.error?.message).toMatch(/no space left/)
        expect(Number(r.retryAfter)).toBeGreaterThan(0)
      }
      expect((await request('GET', `/rest/v1/hcparty/${before}`)).status).toBe(200)
      expect((await request('GET', '/health')).status).toBe(200)
      const ready = await request('GET', '/ready')
      expect(ready.status).toBe(507)
      expect(ready.body.error?.code).toBe('INSUFFICIENT_STORAGE')
      const logged = server.output().match(/database fault: full/g) ?? []
      expect(logged).toHaveLength(1)
      expect(server.output()).toContain(join(mount.dir, 'cairn.db'))
    } finally {
      unlinkSync(filler)
    }
    const after = randomUUID()
    expect((await createHcp(after)).status).toBe(200)
    expect((await request('GET', `/rest/v1/hcparty/${after}`)).status).toBe(200)
    expect((await request('GET', '/ready')).status).toBe(200)
  })

  it('database locked by another process: writes 503 busy with Retry-After, reads work, then heal', async () => {
    const existing = randomUUID()
    expect((await createHcp(existing)).status).toBe(200)
    const other = new BetterSqlite3(join(mount.dir, 'cairn.db'))
    try {
      other.exec('begin immediate')
      const write = await createHcp()
      expect(write.status, JSON.stringify(write.body)).toBe(503)
      expect(write.body.error?.code).toBe('UNAVAILABLE')
      expect(write.body.error?.message).toMatch(/busy/)
      expect(write.retryAfter).toBe('1')
      expect((await request('GET', `/rest/v1/hcparty/${existing}`)).status).toBe(200)
      expect((await request('GET', '/ready')).status).toBe(503)
      other.exec('rollback')
    } finally {
      other.close()
    }
    expect((await createHcp()).status).toBe(200)
    expect(server.output()).toMatch(/database fault: busy \(SQLITE_BUSY/)
  })
})

describe('SQLite on a read-only data directory', () => {
  it('refuses to start with a message naming the database and the fault', async () => {
    const mount = mountTmpfs('4m')
    try {
      execFileSync('mount', ['-o', 'remount,ro', mount.dir])
      const failure = await startServer({ dataDir: mount.dir }).then(
        async (s) => {
          await s.stop()
          return undefined
        },
        (error: Error) => error,
      )
      expect(failure?.message).toMatch(/cannot open the database \(sqlite \S+cairn\.db\): (io|read-only)/)
    } finally {
      mount.unmount()
    }
  })
})
