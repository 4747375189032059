import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  API_PREFIX,
  type AccessLogPageDto,
  type AuditEntryDto,
  type AuditPageDto,
  type EncryptedEntityDto,
} from '@cairn/protocol'
import { entityDoc, HCP_PASSWORD, startInProcessServer } from '../testing/in-process-server.ts'

type Server = Awaited<ReturnType<typeof startInProcessServer>>
type Hcp = { hcpId: string; userId: string; token: string }

/**
 * The access log through the whole server, in process: each kind of access produces its entry (with
 * the request id and client address), admins query by actor, record and time with paging, nobody
 * else may, and a data owner sees the entries about the records it holds, and only those.
 */
describe('access log (in process)', () => {
  let s: Server
  let admin: string
  let a: Hcp
  let b: Hcp
  let patient: EncryptedEntityDto
  let gone: string
  const ids: Record<string, string> = {}

  const url = (path: string) => `${API_PREFIX}${path}`
  const ok = <T>(res: { status: number; text: string; body: T }): T => {
    expect(res.status, res.text).toBe(200)
    return res.body
  }
  /** Every entry of the admins' listing for `query`, following `next` page by page. */
  const allEntries = async (query: Record<string, string | number>, limit = 2) => {
    await s.server.flushAuditLog()
    const rows: AuditEntryDto[] = []
    let after: string | undefined
    for (let pages = 0; pages < 100; pages++) {
      const params: Record<string, string> = { limit: String(limit), ...(after ? { after } : {}) }
      for (const [k, v] of Object.entries(query)) params[k] = String(v)
      const q = new URLSearchParams(params)
      const page = ok(await s.request<AuditPageDto>({ method: 'GET', url: url(`/audit?${q}`), token: admin }))
      expect(page.rows.length).toBeLessThanOrEqual(limit)
      rows.push(...page.rows)
      if (!page.next) return rows
      after = page.next
    }
    throw new Error('too many pages')
  }
  const accessLog = async (who: Hcp, owner: string, query = '') => {
    await s.server.flushAuditLog()
    return s.request<AccessLogPageDto>({
      method: 'GET',
      url: url(`/audit/dataowner/${owner}${query}`),
      token: who.token,
    })
  }

  beforeAll(async () => {
    s = await startInProcessServer()
    admin = await s.login('admin', s.adminPassword)
    ;[a, b] = await Promise.all(['audit-a@example.org', 'audit-b@example.org'].map((l) => s.createHcp(l)))
    // a creates a patient, reads it, shares it with b, who reads it; a creates and deletes another.
    const created = await s.request<EncryptedEntityDto>({
      method: 'POST',
      url: url('/patient'),
      token: a.token,
      payload: entityDoc(randomUUID(), a.hcpId, [a.hcpId]),
    })
    patient = ok(created)
    ids.create = created.headers['x-request-id'] as string
    const read = await s.request({ method: 'GET', url: url(`/patient/${patient.id}`), token: a.token })
    ok(read)
    ids.read = read.headers['x-request-id'] as string
    patient = ok(
      await s.request<EncryptedEntityDto>({
        method: 'PUT',
        url: url('/patient'),
        token: a.token,
        payload: { ...entityDoc(patient.id, a.hcpId, [a.hcpId, b.hcpId]), rev: patient.rev },
      }),
    )
    ok(await s.request({ method: 'GET', url: url(`/patient/${patient.id}`), token: b.token }))
    gone = randomUUID()
    ok(
      await s.request({
        method: 'POST',
        url: url('/patient'),
        token: a.token,
        payload: entityDoc(gone, a.hcpId, [a.hcpId]),
      }),
    )
    ok(await s.request({ method: 'DELETE', url: url(`/patient/${gone}`), token: a.token }))
  })
  afterAll(() => s?.close())

  it('records a create, a read, a share, a delete, with actor, record, request id and client address', async () => {
    const aEntries = await allEntries({ actorUserId: a.userId }, 3)
    const about = (id: string) => aEntries.filter((e) => e.entityId === id).map((e) => e.action)
    expect(about(patient.id)).toEqual(['create', 'read', 'share'])
    expect(about(gone)).toEqual(['create', 'delete'])
    const [create, read] = aEntries.filter((e) => e.entityId === patient.id)
    expect(create).toEqual({
      seq: expect.stringMatching(/^\d+$/) as unknown,
      at: expect.any(Number) as unknown,
      action: 'create',
      actorUserId: a.userId,
      actorDataOwnerId: a.hcpId,
      entityType: 'patient',
      entityId: patient.id,
      requestId: ids.create,
      clientAddress: '127.0.0.1',
    })
    expect(read.requestId).toBe(ids.read)
    // Oldest first, and the paging neither skips nor repeats.
    const seqs = aEntries.map((e) => Number(e.seq))
    expect(seqs).toEqual([...new Set(seqs)].sort((x, y) => x - y))
  })

  it('records an attachment upload and deletion as modifications of the data sample, a download as a read', async () => {
    const sample = ok(
      await s.request<EncryptedEntityDto>({
        method: 'POST',
        url: url('/datasample'),
        token: a.token,
        payload: entityDoc(randomUUID(), a.hcpId, [a.hcpId]),
      }),
    )
    const doc = url(`/datasample/${sample.id}/attachment/${randomUUID()}`)
    const headers = { authorization: `Bearer ${a.token}` }
    const put = await s.server.inject({
      method: 'PUT',
      url: doc,
      headers: { ...headers, 'content-type': 'application/octet-stream' },
      payload: Buffer.alloc(64, 7),
    })
    expect(put.statusCode, put.body).toBe(200)
    expect((await s.server.inject({ method: 'GET', url: doc, headers })).statusCode).toBe(200)
    expect((await s.server.inject({ method: 'DELETE', url: doc, headers })).statusCode).toBe(200)
    const actions = (await allEntries({ entityId: sample.id }, 10)).map((e) => e.action)
    expect(actions).toEqual(['create', 'modify', 'read', 'modify'])
  })

  it('records logins and failed logins (with the account when one matched, never the login typed)', async () => {
    const failed = await s.request({
      method: 'POST',
      url: url('/auth/login'),
      payload: { username: 'audit-a@example.org', password: 'wrong password' },
    })
    expect(failed.status).toBe(401)
    const unknown = await s.request({
      method: 'POST',
      url: url('/auth/login'),
      payload: { username: 'nobody@example.org', password: HCP_PASSWORD },
    })
    expect(unknown.status).toBe(401)
    const logins = await allEntries({ action: 'login', actorUserId: a.userId }, 10)
    expect(logins.length).toBeGreaterThanOrEqual(1)
    expect(logins[0]).toMatchObject({ actorDataOwnerId: a.hcpId })
    expect(logins[0].entityId).toBeUndefined()
    const failures = await allEntries({ action: 'loginFailed' }, 10)
    expect(failures).toHaveLength(2)
    expect(failures[0]).toMatchObject({ actorUserId: a.userId, requestId: failed.headers['x-request-id'] })
    expect(failures[0].actorDataOwnerId).toBeUndefined()
    expect(failures[1].actorUserId).toBeUndefined()
    expect(JSON.stringify(failures)).not.toContain('nobody@example.org')
  })

  it('records every record of a filter page, and an admin reading a user', async () => {
    const page = ok(
      await s.request<{ rows: EncryptedEntityDto[] }>({
        method: 'POST',
        url: url('/patient/filter'),
        token: b.token,
        payload: { filter: { $type: 'PatientByHealthcarePartyFilter', healthcarePartyId: b.hcpId } },
      }),
    )
    expect(page.rows.map((r) => r.id)).toEqual([patient.id])
    const bReads = await allEntries({ actorUserId: b.userId, action: 'read' })
    expect(bReads.map((e) => e.entityId)).toEqual([patient.id, patient.id])
    ok(await s.request({ method: 'GET', url: url(`/user/${a.userId}`), token: admin }))
    expect((await allEntries({ entityId: a.userId, action: 'read' })).map((e) => e.entityType)).toEqual([
      'user',
    ])
  })

  it('lets admins query by record and time range; nobody else', async () => {
    const all = await allEntries({ entityId: patient.id }, 1)
    expect(all.map((e) => [e.action, e.actorUserId])).toEqual([
      ['create', a.userId],
      ['read', a.userId],
      ['share', a.userId],
      ['read', b.userId],
      ['read', b.userId],
    ])
    const ranged = await allEntries({ entityId: patient.id, from: all[1].at, to: all[3].at })
    expect(ranged.every((e) => e.at >= all[1].at && e.at < all[3].at)).toBe(true)
    expect(ranged.map((e) => e.seq)).toContain(all[1].seq)
    const refused = await s.request({ method: 'GET', url: url('/audit'), token: a.token })
    expect(refused.status).toBe(403)
    expect(refused.body).toMatchObject({ error: { code: 'FORBIDDEN' } })
    expect((await s.request({ method: 'GET', url: url('/audit?limit=0'), token: admin })).status).toBe(400)
  })

  it('shows a data owner the entries about the records it holds, without addresses, to itself only', async () => {
    const mine = ok(await accessLog(b, b.hcpId))
    expect(mine.rows.map((e) => [e.action, e.actorUserId, e.entityId])).toEqual([
      ['create', a.userId, patient.id],
      ['read', a.userId, patient.id],
      ['share', a.userId, patient.id],
      ['read', b.userId, patient.id],
      ['read', b.userId, patient.id],
    ])
    expect(Object.keys(mine.rows[0]).sort()).toEqual(
      ['action', 'actorDataOwnerId', 'actorUserId', 'at', 'entityId', 'entityType', 'seq'].sort(),
    )
    const paged = ok(await accessLog(b, b.hcpId, '?limit=2'))
    expect(paged.rows).toEqual(mine.rows.slice(0, 2))
    expect(ok(await accessLog(b, b.hcpId, `?limit=2&after=${paged.next}`)).rows).toEqual(
      mine.rows.slice(2, 4),
    )
    expect(ok(await accessLog(b, b.hcpId, `?entityId=${patient.id}&action=share`)).rows).toEqual([
      mine.rows[2],
    ])
    // a's view holds its patient too; never a record it does not hold.
    expect(ok(await accessLog(a, a.hcpId)).rows.map((e) => e.entityId)).toContain(patient.id)
    expect((await accessLog(b, b.hcpId)).text).not.toContain(gone)

    expect((await accessLog(a, b.hcpId)).status).toBe(403)
    const asAdmin = await s.request({ method: 'GET', url: url(`/audit/dataowner/${a.hcpId}`), token: admin })
    expect(asAdmin.status).toBe(403)
    // A record b cannot read answers like an unknown one.
    const notMine = await accessLog(b, b.hcpId, `?entityId=${gone}`)
    const unknown = await accessLog(b, b.hcpId, `?entityId=${randomUUID()}`)
    expect(notMine.status).toBe(404)
    expect(unknown.status).toBe(404)
  })
})

describe('access log off (in process)', () => {
  it('records nothing with CAIRN_AUDIT_LOG=off', async () => {
    const s = await startInProcessServer({ auditLog: false })
    try {
      const hcp = await s.createHcp('off@example.org')
      const id = randomUUID()
      const res = await s.request({
        method: 'POST',
        url: `${API_PREFIX}/patient`,
        token: hcp.token,
        payload: entityDoc(id, hcp.hcpId, [hcp.hcpId]),
      })
      expect(res.status, res.text).toBe(200)
      await s.server.flushAuditLog()
      const admin = await s.login('admin', s.adminPassword)
      const page = await s.request<AuditPageDto>({ method: 'GET', url: `${API_PREFIX}/audit`, token: admin })
      expect(page.body.rows).toEqual([])
    } finally {
      await s.close()
    }
  })
})
