import { describe, expect, it } from 'vitest'
import { randomUUID } from 'node:crypto'
import { BACKENDS } from '../support/backends.ts'
import { startServer, disposeServer, type ServerProcess } from '../support/server-process.ts'

/**
 * No acknowledged write is lost when the server process dies mid-write (SIGKILL, as a crash or an
 * out-of-memory kill would): concurrent writers create documents, the process is killed while they
 * run, and after a restart on the same data every write that was answered 200 is there. On SQLite this
 * covers group commit: a write is acknowledged only after the fsync of the transaction holding it.
 */
const ROUNDS = 3
const WRITERS = 12

/** Logs the admin in; `password` is the first start's (a restart keeps the admin of the database). */
async function token(server: ServerProcess, password: string): Promise<string> {
  const res = await fetch(`${server.url}/rest/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: server.adminLogin, password }),
  })
  expect(res.status).toBe(200)
  return ((await res.json()) as { token: string }).token
}

describe.each(BACKENDS)('durability across kill -9 ($name)', ({ databaseUrl, enabled }) => {
  it.runIf(enabled)(
    'keeps every acknowledged write over several kills during concurrent writes',
    async () => {
      let server = await startServer({ databaseUrl })
      const { dataDir, pgSchema, adminPassword } = server
      const acknowledged: string[] = []
      try {
        for (let round = 0; round < ROUNDS; round++) {
          const bearer = await token(server, adminPassword)
          let killed = false
          const writer = async () => {
            while (!killed) {
              const id = randomUUID()
              try {
                const res = await fetch(`${server.url}/rest/v1/hcparty`, {
                  method: 'POST',
                  headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
                  body: JSON.stringify({ id, firstName: 'Durable', lastName: `round ${round}` }),
                })
                if (res.status === 200) acknowledged.push(id)
                else await res.body?.cancel()
              } catch {
                return // the process is gone: this write was never acknowledged
              }
            }
          }
          const writers = Array.from({ length: WRITERS }, writer)
          // Let the writes run, then kill the process in the middle of them.
          const before = acknowledged.length
          const deadline = Date.now() + 30_000
          while (acknowledged.length < before + 150) {
            if (Date.now() > deadline) throw new Error(`only ${acknowledged.length - before} writes in 30 s`)
            await new Promise((r) => setTimeout(r, 20))
          }
          killed = true
          await server.kill()
          await Promise.all(writers)
          server = await startServer({
            databaseUrl,
            dataDir,
            pgSchema,
            env: { CAIRN_ADMIN_PASSWORD: adminPassword },
          })
        }
        const bearer = await token(server, adminPassword)
        const missing: string[] = []
        for (const id of acknowledged) {
          const res = await fetch(`${server.url}/rest/v1/hcparty/${id}`, {
            headers: { authorization: `Bearer ${bearer}` },
          })
          if (res.status !== 200) missing.push(`${id}: ${res.status}`)
          await res.body?.cancel()
        }
        expect(acknowledged.length).toBeGreaterThanOrEqual(ROUNDS * 150)
        expect(missing).toEqual([])
      } finally {
        await disposeServer(server)
      }
    },
  )
})
