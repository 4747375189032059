import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS } from '../support/backends.ts'
import { disposeServer, startServer, type ServerProcess } from '../support/server-process.ts'
import { newHcp, newPatient } from '../support/actors.ts'
import { cairn, runSql } from './audit-support.ts'

/**
 * `cairn audit verify` (docs/audit.md): walks the hash chain of the access log in the database
 * itself, never through the server, whose database it exists to check. On an intact log it prints
 * the entries checked and the head to keep elsewhere; after someone with the database edits one
 * entry, or deletes one in the middle, it names that entry and exits with 1.
 */

/** The newest entry of the log as stored: its seq and hash. */
async function storedHead(server: ServerProcess): Promise<{ seq: string; hash: string }> {
  const [row] = await runSql<{ seq: number | string; hash: string }>(
    server,
    'select seq, hash from audit_log order by seq desc limit 1',
  )
  return { seq: String(row.seq), hash: row.hash }
}

for (const backend of BACKENDS) {
  describe.skipIf(!backend.enabled)(`cairn audit verify (${backend.name})`, () => {
    let server: ServerProcess

    beforeAll(async () => {
      server = await startServer({ databaseUrl: backend.databaseUrl })
      // Some history: logins, the creation of a professional, a patient record and its reads.
      const doctor = await newHcp(server, 'doctor')
      const patient = await newPatient(server, doctor, 'Alice')
      await doctor.api.patientApi.getPatient(patient.dataOwnerId)
    })
    afterAll(() => disposeServer(server))

    it('passes on an intact log, while the server runs, and prints the head to keep', async () => {
      const run = await cairn(server, ['audit', 'verify'])
      expect(run.code, run.stderr).toBe(0)
      const head = await storedHead(server)
      expect(Number(head.seq)).toBeGreaterThan(5)
      expect(run.stdout).toMatch(new RegExp(`intact: ${head.seq} entries checked`))
      expect(run.stdout).toContain(`seq ${head.seq}`)
      expect(run.stdout).toContain(head.hash)
      const json = await cairn(server, ['audit', 'verify', '--json'])
      expect(json.code, json.stderr).toBe(0)
      expect(JSON.parse(json.stdout)).toMatchObject({
        ok: true,
        checked: Number(head.seq),
        head: { seq: Number(head.seq), hash: head.hash },
      })
    })

    it('names an edited entry, then a deleted one, and exits with 1', async () => {
      // Whoever holds the database: SQLite is edited once the server has stopped (it holds the file).
      await server.stop()
      const head = await storedHead(server)
      const middle = Math.floor(Number(head.seq) / 2)
      const [original] = await runSql<{ at: number | string }>(
        server,
        'select at from audit_log where seq = ?',
        [middle],
      )
      // One millisecond earlier: the smallest lie about when someone read a record.
      await runSql(server, 'update audit_log set at = ? where seq = ?', [Number(original.at) - 1, middle])
      const edited = await cairn(server, ['audit', 'verify'])
      expect(edited.code).toBe(1)
      expect(edited.stderr).toMatch(new RegExp(`BROKEN at seq ${middle}\\b.*altered`))

      // Put back as it was: intact again (the check is about the content, not a flag).
      await runSql(server, 'update audit_log set at = ? where seq = ?', [Number(original.at), middle])
      expect((await cairn(server, ['audit', 'verify'])).code).toBe(0)

      await runSql(server, 'delete from audit_log where seq = ?', [middle])
      const deleted = await cairn(server, ['audit', 'verify'])
      expect(deleted.code).toBe(1)
      expect(deleted.stderr).toMatch(new RegExp(`BROKEN at seq ${middle}\\b.*missing`))
      expect(deleted.stderr).toMatch(new RegExp(`${middle - 1} entries checked`))
      const json = await cairn(server, ['audit', 'verify', '--json'])
      expect(json.code).toBe(1)
      expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, brokenAt: middle })
    })

    it('explains itself with --help', async () => {
      const help = await cairn(server, ['audit', 'verify', '--help'])
      expect(help.code).toBe(0)
      expect(help.stdout).toMatch(/does not trust the server/)
    })
  })
}
