import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { API_PREFIX, type PaginatedListDto, type EncryptedEntityDto } from '@cairn/protocol'
import { entityDoc, startInProcessServer } from '../../testing/in-process-server.ts'

type Server = Awaited<ReturnType<typeof startInProcessServer>>
type Page = PaginatedListDto<EncryptedEntityDto>

describe('filter routes (in process)', () => {
  let s: Server
  let a: { hcpId: string; token: string }
  let b: { hcpId: string; token: string }
  const sfk = `sfk-${randomUUID()}`
  const ids = Array.from({ length: 7 }, () => randomUUID()).sort()

  beforeAll(async () => {
    s = await startInProcessServer()
    a = await s.createHcp('a@example.org')
    b = await s.createHcp('b@example.org')
    // 7 samples of one patient readable by A (the first 3 also by B), plus one of another patient.
    const docs = ids.map((id, n) => entityDoc(id, a.hcpId, n < 3 ? [a.hcpId, b.hcpId] : [a.hcpId], [sfk]))
    docs.push(entityDoc(randomUUID(), a.hcpId, [a.hcpId], ['another-patient']))
    const res = await s.request({
      method: 'POST',
      url: `${API_PREFIX}/datasample/batch`,
      token: a.token,
      payload: docs,
    })
    expect(res.status, res.text).toBe(200)
  })
  afterAll(() => s.close())

  const filter = (token: string, body: Record<string, unknown>, query = '') =>
    s.request<Page>({ method: 'POST', url: `${API_PREFIX}/datasample/filter${query}`, token, payload: body })

  it('pages through the matches with keyset paging and the real total', async () => {
    const body = {
      filter: { $type: 'DataSampleByHealthcarePartyPatientFilter', patientSecretForeignKeys: [sfk] },
    }
    const seen: string[] = []
    let start: string | undefined
    let pages = 0
    do {
      const res = await filter(a.token, body, `?limit=3${start ? `&startDocumentId=${start}` : ''}`)
      expect(res.status, res.text).toBe(200)
      expect(res.body.totalSize).toBe(7)
      expect(res.body.pageSize).toBe(res.body.rows.length)
      seen.push(...res.body.rows.map((r) => r.id))
      start = res.body.nextKeyPair.startKeyDocId
      pages++
    } while (start)
    expect([pages, seen]).toEqual([3, ids])
  })

  it('only ever returns what the caller may read', async () => {
    const res = await filter(b.token, {
      filter: { $type: 'DataSampleByHealthcarePartyFilter', hcpId: b.hcpId },
    })
    expect(res.status, res.text).toBe(200)
    expect([res.body.totalSize, res.body.rows.map((r) => r.id)]).toEqual([3, ids.slice(0, 3)])
    const byIds = await filter(b.token, { filter: { $type: 'DataSampleByIdsFilter', ids } })
    expect(byIds.body.rows.map((r) => r.id)).toEqual(ids.slice(0, 3))
  })

  it('refuses another data owner (403), a filter of another entity type (400) and an unknown filter (400)', async () => {
    const other = await filter(b.token, {
      filter: { $type: 'DataSampleByHealthcarePartyFilter', hcpId: a.hcpId },
    })
    expect([other.status, (other.body as unknown as { error: { code: string } }).error.code]).toEqual([
      403,
      'FORBIDDEN',
    ])
    const wrong = await filter(a.token, {
      filter: { $type: 'PatientByHealthcarePartyFilter', healthcarePartyId: a.hcpId },
    })
    expect(wrong.status).toBe(400)
    const unknown = await filter(a.token, { filter: { $type: 'NoSuchFilter' } })
    expect(unknown.status).toBe(400)
  })
})
