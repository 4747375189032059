import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  API_PREFIX,
  type DataOwnerDocDto,
  type EncryptedEntityDto,
  type ErrorBody,
  type UserDto,
} from '@cairn/protocol'
import { entityDoc, startInProcessServer } from '../../testing/in-process-server.ts'

type Server = Awaited<ReturnType<typeof startInProcessServer>>
type Hcp = { hcpId: string; userId: string; token: string }

/** `doc` with one more delegate, whose entries are owned by `owner` (what a share sends). */
function sharedWith(doc: EncryptedEntityDto, owner: string, delegate: string): EncryptedEntityDto {
  const next = structuredClone(doc)
  const entry = { owner, delegatedTo: delegate, key: `k-${owner}-${delegate}` }
  next.systemMetaData.delegations[delegate] = [entry]
  next.systemMetaData.encryptionKeys[delegate] = [entry]
  return next
}

describe('a stale rev is checked before the write rules (in process)', () => {
  let s: Server
  let a: Hcp
  let b: Hcp
  let c: Hcp
  let d: Hcp

  beforeAll(async () => {
    s = await startInProcessServer()
    a = await s.createHcp('a@example.org')
    b = await s.createHcp('b@example.org')
    c = await s.createHcp('c@example.org')
    d = await s.createHcp('d@example.org')
  })
  afterAll(() => s.close())

  const put = <T = unknown>(path: string, token: string, payload: object) =>
    s.request<T>({ method: 'PUT', url: `${API_PREFIX}${path}`, token, payload })
  const get = <T>(path: string, token: string) =>
    s.request<T>({ method: 'GET', url: `${API_PREFIX}${path}`, token })

  /** Creates samples readable by A and B (entries owned by A) and returns them as stored. */
  async function sharedSamples(n: number): Promise<EncryptedEntityDto[]> {
    const docs = Array.from({ length: n }, () => entityDoc(randomUUID(), a.hcpId, [a.hcpId, b.hcpId]))
    const res = await s.request<EncryptedEntityDto[]>({
      method: 'POST',
      url: `${API_PREFIX}/datasample/batch`,
      token: a.token,
      payload: docs,
    })
    expect(res.status, res.text).toBe(200)
    return res.body
  }

  const stored = async (id: string) => (await get<EncryptedEntityDto>(`/datasample/${id}`, a.token)).body

  function expectConflict(res: { status: number; body: unknown; text: string }, message?: RegExp): void {
    expect(res.status, res.text).toBe(409)
    expect((res.body as ErrorBody).error.code).toBe('CONFLICT')
    if (message) expect((res.body as ErrorBody).error.message).toMatch(message)
  }

  it('two delegators sharing the same rev: the second gets 409, not 403, and the first write stays', async () => {
    const [v1] = await sharedSamples(1)
    const byA = await put<EncryptedEntityDto>('/datasample', a.token, sharedWith(v1, a.hcpId, c.hcpId))
    expect(byA.status, byA.text).toBe(200)
    // B's document lacks A's new entries for C: at the current rev that would be a 403 (it removes
    // another owner's delegation), but its rev is stale, and that is what B must learn first.
    const byB = await put('/datasample', b.token, sharedWith(v1, b.hcpId, d.hcpId))
    expectConflict(byB, new RegExp(`rev ${v1.rev} is stale \\(current ${byA.body.rev}\\)`))
    expect(await stored(v1.id)).toEqual(byA.body)
  })

  it('a stale rev with a forbidden change is a 409; the same change at the current rev is a 403', async () => {
    const [v1] = await sharedSamples(1)
    const v2 = await put<EncryptedEntityDto>('/datasample', a.token, { ...v1, note: 'v2' })
    expect(v2.status, v2.text).toBe(200)
    const removeA = (doc: EncryptedEntityDto) => {
      const next = structuredClone(doc)
      delete next.systemMetaData.delegations[a.hcpId]
      delete next.systemMetaData.encryptionKeys[a.hcpId]
      return next
    }
    expectConflict(await put('/datasample', b.token, removeA(v1)))
    const forbidden = await put<ErrorBody>('/datasample', b.token, removeA(v2.body))
    expect(forbidden.status, forbidden.text).toBe(403)
    expect(await stored(v1.id)).toEqual(v2.body)
  })

  it('a caller who cannot read the entity gets the 404 of an unknown id, never a 409 telling it the rev moved on', async () => {
    const [v1] = await sharedSamples(1)
    const v2 = await put<EncryptedEntityDto>('/datasample', a.token, { ...v1, note: 'v2' })
    expect(v2.status, v2.text).toBe(200)
    const byC = await put<ErrorBody>('/datasample', c.token, sharedWith(v1, c.hcpId, c.hcpId))
    expect(byC.status, byC.text).toBe(404)
    expect(byC.body.error.message).toBe(`dataSample ${v1.id} not found`)
    const missingId = randomUUID()
    const missing = await put<ErrorBody>('/datasample', c.token, { ...v1, id: missingId })
    expect(missing.status, missing.text).toBe(404)
    expect(missing.body.error.message).toBe(`dataSample ${missingId} not found`)
    expect(await stored(v1.id)).toEqual(v2.body)
  })

  it('a batch with one stale document is a 409 and writes none of them, whatever the others hold', async () => {
    const [fresh, old, forbidden] = await sharedSamples(3)
    const moved = await put<EncryptedEntityDto>('/datasample', a.token, { ...old, note: 'moved on' })
    expect(moved.status, moved.text).toBe(200)
    const forbiddenChange = structuredClone(forbidden)
    forbiddenChange.systemMetaData.delegations[a.hcpId] = []
    const noRev = { ...fresh, rev: undefined, note: 'no rev' }
    // The stale document comes last: the answer does not depend on the order of the batch.
    for (const batch of [
      [{ ...fresh, note: 'changed' }, old],
      [forbiddenChange, old],
      [noRev, old],
    ]) {
      expectConflict(await put('/datasample/batch', b.token, batch), new RegExp(`${old.id}: rev ${old.rev}`))
    }
    expect(await stored(fresh.id)).toEqual(fresh)
    expect(await stored(forbidden.id)).toEqual(forbidden)
    expect(await stored(old.id)).toEqual(moved.body)
    // Without the stale document the write rules apply as before.
    const res = await put('/datasample/batch', b.token, [{ ...fresh, note: 'changed' }, forbiddenChange])
    expect(res.status, res.text).toBe(403)
    expect((await put('/datasample/batch', b.token, [noRev])).status).toBe(400)
  })

  it('names the first stale document and counts the others', async () => {
    const docs = await sharedSamples(3)
    const moved = await Promise.all(
      docs.map((doc) => put<EncryptedEntityDto>('/datasample', a.token, { ...doc, note: 'moved' })),
    )
    expect(moved.map((m) => m.status)).toEqual([200, 200, 200])
    expectConflict(await put('/datasample/batch', a.token, docs), /\(and 2 more\); nothing was saved/)
  })

  it('a professional document: stale rev with a forbidden key change is a 409, at the current rev a 403', async () => {
    const hcp = await get<DataOwnerDocDto>(`/hcparty/${a.hcpId}`, a.token)
    const v2 = await put<DataOwnerDocDto>('/hcparty', a.token, { ...hcp.body, lastName: 'Two' })
    expect(v2.status, v2.text).toBe(200)
    const withKey = (doc: DataOwnerDocDto) => ({ ...doc, systemMetaData: { publicKey: 'b-owns-this-now' } })
    expectConflict(await put('/hcparty', b.token, withKey(hcp.body)), /is stale/)
    expect((await put('/hcparty', b.token, withKey(v2.body))).status).toBe(403)
    expect((await get(`/hcparty/${a.hcpId}`, b.token)).body).toEqual(v2.body)
  })

  it('a user: stale rev with a forbidden change is a 409 for a reader, a 403 for a non-reader', async () => {
    const user = (await get<UserDto>('/user/current', b.token)).body
    const v2 = await put<UserDto>('/user', b.token, { ...user, name: 'B two' })
    expect(v2.status, v2.text).toBe(200)
    // B may not change which data owner it acts as; with a stale rev the rev is what B learns first.
    expectConflict(await put('/user', b.token, { ...user, healthcarePartyId: c.hcpId }), /is stale/)
    expect((await put('/user', b.token, { ...v2.body, healthcarePartyId: c.hcpId })).status).toBe(403)

    // A user that is no data owner may read only itself: another user's stale rev stays hidden, and
    // so does the user (404, as an unknown id: docs/access.md).
    const admin = await s.login('admin', s.adminPassword)
    const plain = await s.request<UserDto>({
      method: 'POST',
      url: `${API_PREFIX}/user`,
      token: admin,
      payload: { id: randomUUID(), login: 'plain@example.org', password: 'plain-password' },
    })
    expect(plain.status, plain.text).toBe(200)
    const plainToken = await s.login('plain@example.org', 'plain-password')
    expect((await put('/user', plainToken, { ...user, name: 'hijack' })).status).toBe(404)
    expect((await get('/user/current', b.token)).body).toEqual(v2.body)
  })
})
