import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  AccessLogEntry,
  AuditEntry,
  Content,
  DataSample,
  SdkError,
  type AuditQuery,
  type MedTechApi,
  type Patient,
} from '@cairn/sdk'
import type { AuditEntryDto } from '@cairn/protocol'
import { BACKENDS } from '../support/backends.ts'
import { disposeServer, startServer, type ServerProcess } from '../support/server-process.ts'
import { login, newHcp, newPatient, type Actor } from '../support/actors.ts'
import { client } from '../access/http.ts'
import { cairn, eventually } from './audit-support.ts'

/**
 * The access log (docs/audit.md) seen from the SDK and the `cairn audit list` command, against real
 * servers: a doctor's creation, reads, share, modification and deletion of a patient's record and of
 * a sample each leave an entry the admin finds by record, by actor and by time, page after page;
 * logins and failed logins are there too, without any secret. The patient lists who read its record
 * (never from where), and nobody else can read its log or learn of records it does not hold.
 */

/** Fields a data owner may see of an entry: no client address, no request id. */
const ACCESS_LOG_FIELDS = ['seq', 'at', 'action', 'actorUserId', 'actorDataOwnerId', 'entityType', 'entityId']

/** Every page of an admin query, `limit` at a time, following `next`. */
async function allPages(api: MedTechApi, query: AuditQuery, limit: number): Promise<AuditEntry[][]> {
  const pages: AuditEntry[][] = []
  let after: string | undefined
  for (;;) {
    const page = await api.auditApi.listAuditEntries({ ...query, limit, after })
    pages.push(page.rows)
    if (!page.next) return pages
    after = page.next
  }
}

/** The rejection of `promise`, which must reject. */
async function rejectionOf(promise: Promise<unknown>): Promise<SdkError> {
  const e = await promise.then(
    () => {
      throw new Error('expected a rejection')
    },
    (error: unknown) => error,
  )
  expect(e).toBeInstanceOf(SdkError)
  return e as SdkError
}

const seqs = (rows: { seq: string }[]) => rows.map((r) => r.seq)

for (const backend of BACKENDS) {
  describe.skipIf(!backend.enabled)(`access log from the SDK and the CLI (${backend.name})`, () => {
    let server: ServerProcess
    let doctor: Actor
    let alice: Actor
    let bob: Actor
    let admin: MedTechApi
    let record: Patient
    let sample: DataSample
    let started: number
    let ended: number

    beforeAll(async () => {
      server = await startServer({ databaseUrl: backend.databaseUrl })
      doctor = await newHcp(server, 'doctor')
      // The doctor creates Alice's record (and her user); Alice logs in and is its own data owner.
      alice = await newPatient(server, doctor, 'Alice')
      bob = await newPatient(server, doctor, 'Bob')
      admin = await login(server, server.adminLogin, server.adminPassword)
      started = Date.now()
      sample = await doctor.api.dataSampleApi.createOrModifyDataSampleFor(
        alice.dataOwnerId,
        new DataSample({ content: { en: new Content({ stringValue: 'blood pressure 12/8' }) } }),
      )
      record = await doctor.api.patientApi.getPatient(alice.dataOwnerId)
      await doctor.api.dataSampleApi.getDataSample(sample.id!)
      record = await doctor.api.patientApi.giveAccessTo(record, alice.dataOwnerId)
      record.note = 'seen on Monday'
      record = await doctor.api.patientApi.createOrModifyPatient(record)
      await doctor.api.dataSampleApi.deleteDataSample(sample.id!)
      ended = Date.now()
      // Entries are written in order: once the last one is there, so is everything before it.
      await eventually(
        () => admin.auditApi.listAuditEntries({ entityId: sample.id!, action: 'delete' }),
        (page) => page.rows.length === 1,
        'the deletion of the sample is logged',
      )
    })
    afterAll(() => disposeServer(server))

    it("records the doctor's creation, reads, modification and deletion, found by record", async () => {
      const { rows, next } = await admin.auditApi.listAuditEntries({ entityId: alice.dataOwnerId })
      expect(next).toBeUndefined()
      expect(rows.every((r) => r instanceof AuditEntry && r.entityId === alice.dataOwnerId)).toBe(true)
      expect(rows.every((r) => r.entityType === 'patient')).toBe(true)
      expect(seqs(rows)).toEqual([...seqs(rows)].sort((a, b) => Number(a) - Number(b)))
      const byDoctor = rows.filter((r) => r.actorUserId === doctor.user.id)
      expect(byDoctor.every((r) => r.actorDataOwnerId === doctor.dataOwnerId)).toBe(true)
      // Created when newPatient ran; then (from `started`) read, shared and modified (next test).
      expect(byDoctor[0].action).toBe('create')
      const scenario = byDoctor.filter((r) => r.at >= started && r.at <= ended)
      expect(scenario[0].action).toBe('read')
      expect(scenario[scenario.length - 1].action).toBe('modify')
      for (const r of scenario) {
        expect(r.requestId).toMatch(/\S/)
        expect(r.clientAddress).toMatch(/127\.0\.0\.1|::1/)
      }

      const sampleRows = (await admin.auditApi.listAuditEntries({ entityId: sample.id! })).rows
      expect(sampleRows.map((r) => [r.action, r.actorDataOwnerId, r.entityType])).toEqual([
        ['create', doctor.dataOwnerId, 'dataSample'],
        ['read', doctor.dataOwnerId, 'dataSample'],
        ['delete', doctor.dataOwnerId, 'dataSample'],
      ])
      const deletions = await admin.auditApi.listAuditEntries({ entityType: 'dataSample', action: 'delete' })
      expect(deletions.rows.map((r) => r.entityId)).toEqual([sample.id])
    })

    it("records the doctor's share of the record with its patient as a share, between the read and the change", async () => {
      const { rows } = await admin.auditApi.listAuditEntries({
        entityId: alice.dataOwnerId,
        actorUserId: doctor.user.id,
        from: started,
      })
      // getPatient reads, giveAccessTo reads the stored record again and shares it, the change modifies.
      expect(rows[0].action).toBe('read')
      expect(rows.filter((r) => r.action !== 'read').map((r) => r.action)).toEqual(['share', 'modify'])
      // And so the patient sees it.
      const hers = await alice.api.auditApi.getAccessLogOf(alice.dataOwnerId, {
        action: 'share',
        from: started,
      })
      expect(hers.rows.map((r) => [r.action, r.actorDataOwnerId])).toEqual([['share', doctor.dataOwnerId]])
    })

    it('finds entries by actor and by time range, and pages with a small limit', async () => {
      const mine = await admin.auditApi.listAuditEntries({ actorUserId: doctor.user.id })
      expect(mine.rows.every((r) => r.actorUserId === doctor.user.id)).toBe(true)
      const records = new Set(mine.rows.map((r) => r.entityId))
      expect(records).toContain(alice.dataOwnerId)
      expect(records).toContain(bob.dataOwnerId)
      expect(records).toContain(sample.id)
      const asDataOwner = await admin.auditApi.listAuditEntries({ actorDataOwnerId: doctor.dataOwnerId })
      expect(seqs(asDataOwner.rows)).toEqual(seqs(mine.rows.filter((r) => r.actorDataOwnerId)))

      const during = await admin.auditApi.listAuditEntries({
        actorUserId: doctor.user.id,
        from: started,
        to: ended + 1,
      })
      expect(during.rows.length).toBeGreaterThanOrEqual(6)
      expect(during.rows.every((r) => r.at >= started && r.at <= ended)).toBe(true)
      expect(during.rows.some((r) => r.entityId === bob.dataOwnerId)).toBe(false)
      const before = await admin.auditApi.listAuditEntries({ actorUserId: doctor.user.id, to: started })
      expect(before.rows.some((r) => r.entityId === sample.id)).toBe(false)

      const pages = await allPages(admin, { actorUserId: doctor.user.id }, 2)
      expect(pages.length).toBeGreaterThan(2)
      expect(pages.every((p) => p.length <= 2)).toBe(true)
      expect(pages.flat()).toEqual(mine.rows)
    })

    it('records logins, and failed logins without the secret that was tried', async () => {
      const http = client(server.url)
      const wrong = `wrong-password-${Date.now()}`
      const unknownLogin = `nobody-${Date.now()}@example.org`
      expect(
        (await http.post('/rest/v1/auth/login', { username: doctor.login, password: wrong })).status,
      ).toBe(401)
      expect(
        (await http.post('/rest/v1/auth/login', { username: unknownLogin, password: wrong })).status,
      ).toBe(401)

      const logins = await admin.auditApi.listAuditEntries({ actorUserId: doctor.user.id, action: 'login' })
      expect(logins.rows.length).toBeGreaterThanOrEqual(1)
      expect(logins.rows.every((r) => r.entityId === undefined && r.clientAddress !== undefined)).toBe(true)

      const failed = (
        await eventually(
          () => admin.auditApi.listAuditEntries({ action: 'loginFailed' }),
          (page) => page.rows.length >= 2,
          'both failed logins are logged',
        )
      ).rows
      const doctorFailure = failed.filter((r) => r.actorUserId === doctor.user.id)
      expect(doctorFailure).toHaveLength(1)
      // The one that matched no account names nobody.
      expect(failed.filter((r) => r.actorUserId === undefined)).toHaveLength(1)
      for (const r of failed) {
        const text = JSON.stringify(r)
        expect(text).not.toContain(wrong)
        expect(text).not.toContain(doctor.password)
        expect(text).not.toContain(unknownLogin)
        expect(r.actorDataOwnerId).toBeUndefined()
        expect(r.requestId).toMatch(/\S/)
      }
    })

    it('lets the patient see who read her record, never from where', async () => {
      const { rows } = await alice.api.auditApi.getAccessLog()
      expect(rows.every((r) => r instanceof AccessLogEntry)).toBe(true)
      for (const r of rows) expect(ACCESS_LOG_FIELDS).toEqual(expect.arrayContaining(Object.keys(r)))
      expect(
        rows.some(
          (r) =>
            r.action === 'read' &&
            r.entityId === alice.dataOwnerId &&
            r.entityType === 'patient' &&
            r.actorUserId === doctor.user.id &&
            r.actorDataOwnerId === doctor.dataOwnerId,
        ),
      ).toBe(true)
      // Only her record: not the doctor's sample (never shared with her), nor Bob's record.
      expect(new Set(rows.map((r) => r.entityId))).toEqual(new Set([alice.dataOwnerId]))

      const reads = await alice.api.auditApi.getAccessLogOf(alice.dataOwnerId, { action: 'read' })
      expect(reads.rows.length).toBeGreaterThanOrEqual(1)
      expect(reads.rows.every((r) => r.action === 'read')).toBe(true)
      const since = await alice.api.auditApi.getAccessLog({ from: started, to: ended + 1 })
      const doctorsActions = since.rows.filter((r) => r.actorUserId === doctor.user.id).map((r) => r.action)
      expect(doctorsActions[0]).toBe('read')
      expect(doctorsActions[doctorsActions.length - 1]).toBe('modify')

      // Paging: the first entry alone, then the rest; and everything at once, bounded.
      const one = await alice.api.auditApi.getAccessLog({ limit: 1 })
      expect(one.rows).toEqual(rows.slice(0, 1))
      expect(one.next).toBe(rows[0].seq)
      const rest = await alice.api.auditApi.getAccessLog({ after: one.next })
      expect([...one.rows, ...rest.rows]).toEqual(rows)
      expect(await alice.api.auditApi.getAllAccessLog()).toEqual({ rows })
      const bounded = await alice.api.auditApi.getAllAccessLog({ maxEntries: 2 })
      expect(bounded).toEqual({ rows: rows.slice(0, 2), next: rows[1].seq })

      // The same through the wire: no address, no request id in what the server sends her.
      const token = (await client(server.url).login(alice.login, alice.password)).token
      const raw = await client(server.url).get<{ rows: object[] }>(
        `/rest/v1/audit/dataowner/${alice.dataOwnerId}`,
        token,
      )
      expect(raw.status, raw.text).toBe(200)
      expect(raw.text).not.toMatch(/clientAddress|requestId|127\.0\.0\.1/)
    })

    it("refuses someone else's log and shows nothing of records one does not hold", async () => {
      const http = client(server.url)
      const bobToken = (await http.login(bob.login, bob.password)).token
      const foreign = await http.get(`/rest/v1/audit/dataowner/${alice.dataOwnerId}`, bobToken)
      expect(foreign.status).toBe(403)
      const doctorToken = (await http.login(doctor.login, doctor.password)).token
      expect((await http.get(`/rest/v1/audit/dataowner/${alice.dataOwnerId}`, doctorToken)).status).toBe(403)

      const bobs = await bob.api.auditApi.getAllAccessLog()
      expect(bobs.rows.length).toBeGreaterThan(0)
      expect(bobs.rows.every((r) => r.entityId === bob.dataOwnerId)).toBe(true)
      const aliceAsked = await rejectionOf(bob.api.auditApi.getAccessLogOf(alice.dataOwnerId))
      expect(aliceAsked.status).toBe(404)
      // A record she may not read answers as an unknown one would: nothing tells her it exists.
      const notHeld = await rejectionOf(alice.api.auditApi.getAccessLogOf(sample.id!))
      expect(notHeld.status).toBe(404)
      const unknown = await rejectionOf(alice.api.auditApi.getAccessLogOf(crypto.randomUUID()))
      expect([unknown.status, unknown.serverMessage?.replace(/[0-9a-f-]{36}/, 'ID')]).toEqual([
        404,
        notHeld.serverMessage?.replace(/[0-9a-f-]{36}/, 'ID'),
      ])

      // The whole log is for admins; the access log for data owners.
      expect((await rejectionOf(doctor.api.auditApi.listAuditEntries())).status).toBe(403)
      expect((await rejectionOf(alice.api.auditApi.listAuditEntries())).status).toBe(403)
      expect((await rejectionOf(admin.auditApi.getAccessLog())).code).toBe('FORBIDDEN')
    })

    it('checks options in the SDK, before any request', async () => {
      const audit = alice.api.auditApi
      const cases: [Promise<unknown>, RegExp][] = [
        [audit.getAccessLog({ from: 2000, to: 1000 }), /from .* is after to/],
        [audit.getAccessLog({ limit: 0 }), /limit must be a whole number from 1 to 1000 \(got 0\)/],
        [audit.getAccessLog({ limit: 1001 }), /limit must be/],
        [audit.getAccessLog({ limit: 2.5 }), /limit must be/],
        [audit.getAccessLog({ from: -1 }), /from must be a time in epoch milliseconds/],
        [audit.getAccessLog({ after: 'abc' }), /after must be the next of a previous page/],
        [audit.getAccessLog({ action: 'peek' as never }), /action must be one of read, create/],
        [audit.getAccessLog({ entityID: alice.dataOwnerId } as never), /unknown option\(s\) entityID/],
        [audit.getAccessLogOf('not-an-id'), /entityId must be an id/],
        [audit.getAllAccessLog({ maxEntries: 0 }), /maxEntries must be a whole number/],
        [admin.auditApi.listAuditEntries({ actorUserId: 'bob' }), /actorUserId must be an id/],
        [admin.auditApi.listAuditEntries({ entityType: 'x'.repeat(65) }), /entityType must be/],
      ]
      for (const [promise, message] of cases) {
        const e = await rejectionOf(promise)
        expect(e.code).toBe('BAD_REQUEST')
        expect(e.message).toMatch(message)
        // Refused here: no answer, no request id, no URL.
        expect([e.status, e.requestId, e.url]).toEqual([0, undefined, undefined])
      }
    })

    it('cairn audit list prints the entries as a table and pages with --after', async () => {
      const all = (await admin.auditApi.listAuditEntries({ entityId: alice.dataOwnerId })).rows
      const first = await cairn(server, [
        'audit',
        'list',
        '--url',
        server.url,
        '--entity',
        alice.dataOwnerId,
        '--limit',
        '2',
      ])
      expect(first.code, first.stderr).toBe(0)
      const lines = first.stdout.trimEnd().split('\n')
      expect(lines[0]).toMatch(
        /^SEQ\s+TIME\s+ACTION\s+ACTOR\s+AS DATA OWNER\s+TYPE\s+ENTITY\s+CLIENT\s+REQUEST$/,
      )
      expect(lines.slice(1, 3).map((l) => l.split(/\s+/).slice(0, 3))).toEqual(
        all.slice(0, 2).map((r) => [r.seq, new Date(r.at).toISOString(), r.action]),
      )
      expect(lines[1]).toContain(alice.dataOwnerId)
      expect(lines[3]).toMatch(new RegExp(`^next: ${all[1].seq}\\b`))
      expect(lines).toHaveLength(4)

      const rest = await cairn(server, [
        'audit',
        'list',
        '--url',
        server.url,
        '--entity',
        alice.dataOwnerId,
        '--after',
        all[1].seq,
        '--limit',
        '2',
        '--all',
        '--json',
      ])
      expect(rest.code, rest.stderr).toBe(0)
      const entries = rest.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as AuditEntryDto)
      expect(entries).toEqual(all.slice(2).map((r) => r.marshal()))
    })

    it('cairn audit list filters by actor, action and dates, and explains bad flags', async () => {
      const deletions = await cairn(server, [
        'audit',
        'list',
        '--url',
        server.url,
        '--actor',
        doctor.user.id!,
        '--action',
        'delete',
        '--from',
        new Date(started).toISOString(),
        '--to',
        String(ended + 1),
        '--json',
      ])
      expect(deletions.code, deletions.stderr).toBe(0)
      const rows = deletions.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as AuditEntryDto)
      expect(rows.map((r) => [r.action, r.entityType, r.entityId])).toEqual([
        ['delete', 'dataSample', sample.id],
      ])

      const none = await cairn(server, ['audit', 'list', '--url', server.url, '--to', '2001-01-01'])
      expect(none.code, none.stderr).toBe(0)
      expect(none.stdout).toMatch(/No entry/)

      const bad: [string[], RegExp][] = [
        [['--limit', '0'], /--limit must be a whole number from 1 to 1000/],
        [['--from', 'yesterday'], /--from must be an ISO date/],
        [['--from', '2024-05-02', '--to', '2024-05-01'], /--from .* is after --to/],
        [['--action', 'peek'], /--action must be one of/],
        [['--actor', 'bob'], /400 - /],
      ]
      for (const [flags, message] of bad) {
        const run = await cairn(server, ['audit', 'list', '--url', server.url, ...flags])
        expect(run.code, flags.join(' ')).toBe(1)
        expect(run.stderr).toMatch(message)
      }
      const help = await cairn(server, ['audit', '--help'])
      expect(help.code).toBe(0)
      expect(help.stdout).toMatch(/cairn audit list/)
      expect(help.stdout).toMatch(/cairn audit verify/)
    })
  })
}
