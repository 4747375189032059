import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { API_PREFIX, type DeletionDto } from '@cairn/protocol'
import type { WriteEvent } from '../../events/write-event.ts'
import { entityDoc, startInProcessServer } from '../../testing/in-process-server.ts'

type Server = Awaited<ReturnType<typeof startInProcessServer>>

/** Write events of deletions (no public API carries them yet, so they are checked in process). */
describe('deletion write events (in process)', () => {
  let s: Server
  let a: { hcpId: string; userId: string; token: string }
  let b: { hcpId: string }
  let events: WriteEvent[]

  beforeAll(async () => {
    s = await startInProcessServer()
    events = []
    s.server.onWrite((e) => void events.push(e))
    a = await s.createHcp('deleter@example.org')
    b = await s.createHcp('reader@example.org')
  })
  afterAll(() => s.close())

  it('emits one delete event per deleted entity, naming the data owners that had access', async () => {
    const ids = [randomUUID(), randomUUID()]
    const created = await s.request({
      method: 'POST',
      url: `${API_PREFIX}/helement/batch`,
      token: a.token,
      payload: ids.map((id) => entityDoc(id, a.hcpId, [a.hcpId, b.hcpId])),
    })
    expect(created.status, created.text).toBe(200)
    const from = events.length
    const res = await s.request<DeletionDto[]>({
      method: 'POST',
      url: `${API_PREFIX}/helement/delete/batch`,
      token: a.token,
      payload: { ids },
    })
    expect(res.status, res.text).toBe(200)
    expect(res.body.map((d) => d.id)).toEqual(ids)
    expect(events.slice(from)).toEqual(
      res.body.map((d) => ({
        kind: 'delete',
        entityType: 'healthcareElement',
        id: d.id,
        rev: d.rev,
        actor: { userId: a.userId, dataOwnerId: a.hcpId },
        requestId: String(res.headers['x-request-id']),
        delegates: [a.hcpId, b.hcpId],
        at: expect.any(Number) as unknown,
      })),
    )
  })

  it('emits nothing for a refused deletion', async () => {
    const id = randomUUID()
    const from = events.length
    const res = await s.request({ method: 'DELETE', url: `${API_PREFIX}/datasample/${id}`, token: a.token })
    expect(res.status).toBe(404)
    expect(events.slice(from)).toEqual([])
  })

  it('emits a delete event for a device, without delegates', async () => {
    const id = randomUUID()
    const made = await s.request({
      method: 'POST',
      url: `${API_PREFIX}/device`,
      token: a.token,
      payload: { id },
    })
    expect(made.status, made.text).toBe(200)
    const from = events.length
    const res = await s.request<DeletionDto>({
      method: 'DELETE',
      url: `${API_PREFIX}/device/${id}`,
      token: a.token,
    })
    expect(res.status, res.text).toBe(200)
    expect(events.slice(from)).toEqual([
      expect.objectContaining({
        kind: 'delete',
        entityType: 'medicalDevice',
        id,
        rev: res.body.rev,
        delegates: [],
      }),
    ])
  })
})
