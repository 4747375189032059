import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { API_PREFIX, type DeletionDto, type EncryptedEntityDto, type PaginatedListDto } from '@cairn/protocol'
import type { WriteEvent } from '../../events/write-event.ts'
import { entityDoc, startInProcessServer } from '../../testing/in-process-server.ts'

type Server = Awaited<ReturnType<typeof startInProcessServer>>
type Hcp = { hcpId: string; userId: string; token: string }

/**
 * Soft deletion of notifications (descriptor `softDelete`), in process: the document stays readable,
 * shareable and searchable by its delegates with `deletionDate` set and a new rev; a second deletion
 * writes nothing; `deletionDate` is the server's (never taken from a create or a modify).
 */
describe('soft deletion of notifications (in process)', () => {
  let s: Server
  let a: Hcp
  let b: Hcp
  let c: Hcp
  let events: WriteEvent[]

  const url = (path = '') => `${API_PREFIX}/notification${path}`
  const notification = (owners: string[], extra: Record<string, unknown> = {}) => ({
    ...entityDoc(randomUUID(), a.hcpId, owners),
    type: 'OTHER',
    status: 'pending',
    ...extra,
  })
  const create = async (doc: object) => {
    const res = await s.request<EncryptedEntityDto>({
      method: 'POST',
      url: url(),
      token: a.token,
      payload: doc,
    })
    expect(res.status, res.text).toBe(200)
    return res.body
  }
  const get = (id: string, who: Hcp) =>
    s.request<EncryptedEntityDto>({ method: 'GET', url: url(`/${id}`), token: who.token })
  const afterDate = (who: Hcp) =>
    s.request<PaginatedListDto<EncryptedEntityDto>>({
      method: 'POST',
      url: url('/filter'),
      token: who.token,
      payload: { filter: { $type: 'NotificationsAfterDateFilter', healthcarePartyId: who.hcpId, date: 0 } },
    })

  beforeAll(async () => {
    s = await startInProcessServer()
    events = []
    s.server.onWrite((e) => void events.push(e))
    ;[a, b, c] = await Promise.all(
      ['n-a@example.org', 'n-b@example.org', 'n-c@example.org'].map((login) => s.createHcp(login)),
    )
  })
  afterAll(() => s.close())

  it('keeps the document, its delegates and its index rows, with deletionDate and a new rev', async () => {
    const created = await create(notification([a.hcpId, b.hcpId]))
    expect(created.rev).toMatch(/^1-/)
    const from = events.length
    const res = await s.request<DeletionDto>({ method: 'DELETE', url: url(`/${created.id}`), token: b.token })
    expect(res.status, res.text).toBe(200)
    expect(res.body.id).toBe(created.id)
    expect(res.body.rev).toMatch(/^2-/)

    for (const who of [a, b]) {
      const read = await get(created.id, who)
      expect(read.status, read.text).toBe(200)
      const { deletionDate, modified, rev, ...rest } = read.body
      const { modified: _m, rev: _r, ...before } = created
      expect(rest).toEqual(before)
      expect(rev).toBe(res.body.rev)
      expect(deletionDate).toEqual(expect.any(Number))
      expect(modified).toBe(deletionDate)
      const listed = await afterDate(who)
      expect(listed.body.rows.map((r) => r.id)).toContain(created.id)
    }
    // A third data owner still gets the answer of an unknown id.
    expect((await get(created.id, c)).status).toBe(404)
    expect(events.slice(from)).toEqual([
      expect.objectContaining({
        kind: 'delete',
        entityType: 'notification',
        id: created.id,
        rev: res.body.rev,
        delegates: [a.hcpId, b.hcpId],
      }),
    ])

    // Deleting again writes nothing and answers the current rev.
    const again = events.length
    const second = await s.request<DeletionDto[]>({
      method: 'POST',
      url: url('/delete/batch'),
      token: a.token,
      payload: { ids: [created.id] },
    })
    expect(second.status, second.text).toBe(200)
    expect(second.body).toEqual([{ id: created.id, rev: res.body.rev }])
    expect(events.length).toBe(again)
    expect((await get(created.id, a)).body.rev).toBe(res.body.rev)
  })

  it('keeps deletionDate through modifications, and never takes one from a client', async () => {
    const born = await create(notification([a.hcpId], { deletionDate: 42 }))
    expect(born.deletionDate).toBeUndefined()
    const undeleting = await s.request<EncryptedEntityDto>({
      method: 'PUT',
      url: url(),
      token: a.token,
      payload: { ...born, deletionDate: 7, status: 'ongoing' },
    })
    expect(undeleting.status, undeleting.text).toBe(200)
    expect(undeleting.body.deletionDate).toBeUndefined()

    await s.request({ method: 'DELETE', url: url(`/${born.id}`), token: a.token })
    const deleted = (await get(born.id, a)).body
    const { deletionDate, ...revived } = deleted
    const modified = await s.request<EncryptedEntityDto>({
      method: 'PUT',
      url: url(),
      token: a.token,
      payload: { ...revived, status: 'completed' },
    })
    expect(modified.status, modified.text).toBe(200)
    expect(modified.body.status).toBe('completed')
    expect(modified.body.deletionDate).toBe(deletionDate)
  })

  it('refuses a notification naming another responsible data owner (403), nothing saved', async () => {
    const doc = notification([a.hcpId, b.hcpId], { responsible: b.hcpId })
    const res = await s.request<{ error: { code: string; message: string } }>({
      method: 'POST',
      url: url(),
      token: a.token,
      payload: doc,
    })
    expect(res.status).toBe(403)
    expect(res.body.error.message).toBe(
      `A new notification's responsible must be the data owner creating it (${a.hcpId}), not ${b.hcpId}`,
    )
    expect((await get(doc.id, a)).status).toBe(404)
    const own = await create(notification([a.hcpId], { responsible: a.hcpId }))
    expect(own.responsible).toBe(a.hcpId)
    expect(own.author).toBe(a.userId)
  })
})
