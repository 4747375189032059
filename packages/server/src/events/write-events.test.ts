import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { API_PREFIX, type EncryptedEntityDto } from '@cairn/protocol'
import { HCP_PASSWORD, entityDoc as entity, startInProcessServer } from '../testing/in-process-server.ts'
import type { WriteEvent } from './write-event.ts'

type Server = Awaited<ReturnType<typeof startInProcessServer>>

describe('write events (in process)', () => {
  let s: Server
  let events: WriteEvent[]
  let hcpA: string
  let hcpB: string
  let tokenA: string
  let userA: string

  beforeAll(async () => {
    s = await startInProcessServer()
    events = []
    s.server.onWrite((e) => void events.push(e))
    const a = await s.createHcp('a@example.org')
    ;({ hcpId: hcpA, userId: userA, token: tokenA } = a)
    hcpB = (await s.createHcp('b@example.org')).hcpId
  })
  afterAll(() => s.close())

  /** The stored patient `id`, as HCP A reads it. */
  async function readPatient(id: string): Promise<EncryptedEntityDto> {
    const res = await s.request<EncryptedEntityDto>({
      method: 'GET',
      url: `${API_PREFIX}/patient/${id}`,
      token: tokenA,
    })
    expect(res.status, res.text).toBe(200)
    return res.body
  }

  /** The events emitted while `fn` runs. */
  async function during(fn: () => Promise<unknown>): Promise<WriteEvent[]> {
    const from = events.length
    await fn()
    return events.slice(from)
  }

  it('emits one event per committed write: create, share, modify — with actor, request id and delegates', async () => {
    const id = randomUUID()
    let requestId = ''
    const created = await during(async () => {
      const res = await s.request<EncryptedEntityDto>({
        method: 'POST',
        url: `${API_PREFIX}/patient`,
        token: tokenA,
        payload: entity(id, hcpA, [hcpA]),
      })
      expect(res.status, res.text).toBe(200)
      requestId = String(res.headers['x-request-id'])
    })
    expect(created).toEqual([
      expect.objectContaining({
        kind: 'create',
        entityType: 'patient',
        id,
        actor: { userId: userA, dataOwnerId: hcpA },
        requestId,
        delegates: [hcpA],
      }),
    ])
    const stored = await readPatient(id)

    const shared = await during(async () => {
      const next = entity(id, hcpA, [hcpA, hcpB])
      const res = await s.request({
        method: 'PUT',
        url: `${API_PREFIX}/patient`,
        token: tokenA,
        payload: { ...next, rev: stored.rev },
      })
      expect(res.status, res.text).toBe(200)
    })
    expect(shared).toHaveLength(1)
    expect(shared[0]).toMatchObject({ kind: 'share', id, delegates: [hcpA, hcpB], added: [hcpB] })

    const current = await readPatient(id)
    const modified = await during(async () => {
      const res = await s.request({
        method: 'PUT',
        url: `${API_PREFIX}/patient`,
        token: tokenA,
        payload: { ...current, firstName: 'Changed' },
      })
      expect(res.status, res.text).toBe(200)
    })
    expect(modified).toEqual([
      expect.objectContaining({ kind: 'modify', id, rev: expect.stringMatching(/^3-/) as unknown }),
    ])

    // Adding a data owner while changing the content is a modification (listing who was added).
    const third = await readPatient(id)
    const hcpC = (await s.createHcp('c@example.org')).hcpId
    const both = await during(async () => {
      const next = entity(id, hcpA, [hcpA, hcpB, hcpC])
      const res = await s.request({
        method: 'PUT',
        url: `${API_PREFIX}/patient`,
        token: tokenA,
        payload: { ...third, systemMetaData: next.systemMetaData, firstName: 'Changed again' },
      })
      expect(res.status, res.text).toBe(200)
    })
    expect(both).toEqual([expect.objectContaining({ kind: 'modify', id, added: [hcpC] })])
  })

  it('emits nothing for a write that did not commit (stale rev, forbidden, unchanged)', async () => {
    const id = randomUUID()
    await s.request({
      method: 'POST',
      url: `${API_PREFIX}/patient`,
      token: tokenA,
      payload: entity(id, hcpA, [hcpA]),
    })
    const stored = await readPatient(id)
    const none = await during(async () => {
      const stale = await s.request({
        method: 'PUT',
        url: `${API_PREFIX}/patient`,
        token: tokenA,
        payload: { ...stored, rev: '1-stale' },
      })
      expect(stale.status).toBe(409)
      const same = await s.request({
        method: 'PUT',
        url: `${API_PREFIX}/patient`,
        token: tokenA,
        payload: stored,
      })
      expect(same.status).toBe(200)
      const foreign = await s.request({
        method: 'POST',
        url: `${API_PREFIX}/patient`,
        token: tokenA,
        payload: entity(randomUUID(), hcpB, [hcpB]),
      })
      expect(foreign.status).toBe(403)
    })
    expect(none).toEqual([])
  })

  it('emits one event per entity of a batch, after the batch committed', async () => {
    const ids = [randomUUID(), randomUUID(), randomUUID()]
    const batch = await during(async () => {
      const res = await s.request({
        method: 'POST',
        url: `${API_PREFIX}/datasample/batch`,
        token: tokenA,
        payload: ids.map((id) => entity(id, hcpA, [hcpA], ['sfk-1'])),
      })
      expect(res.status, res.text).toBe(200)
    })
    expect(batch.map((e) => [e.kind, e.entityType, e.id])).toEqual(
      ids.map((id) => ['create', 'dataSample', id]),
    )
  })

  it('emits login, user changes and data-owner writes', async () => {
    const seen = await during(async () => {
      await s.login('a@example.org', HCP_PASSWORD)
      const share = await s.request({
        method: 'POST',
        url: `${API_PREFIX}/user/current/sharing/add`,
        token: tokenA,
        payload: { dataOwnerIds: [hcpB], type: 'medicalInformation' },
      })
      expect(share.status, share.text).toBe(200)
      const device = await s.request({
        method: 'POST',
        url: `${API_PREFIX}/device`,
        token: tokenA,
        payload: { id: randomUUID() },
      })
      expect(device.status, device.text).toBe(200)
    })
    expect(seen.map((e) => [e.kind, e.entityType, e.actor.userId])).toEqual([
      ['login', 'user', userA],
      ['user-change', 'user', userA],
      ['create', 'medicalDevice', userA],
    ])
    expect(seen.every((e) => typeof e.requestId === 'string' && e.requestId.length > 0)).toBe(true)
  })
})
