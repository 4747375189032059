import { randomBytes, randomUUID } from 'node:crypto'
import type { Readable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { API_PREFIX, ENTITY_ROUTES, ROUTES, maxEncryptedAttachmentBytes, routePath } from '@cairn/protocol'
import { entityDoc, startInProcessServer } from '../../testing/in-process-server.ts'

type Server = Awaited<ReturnType<typeof startInProcessServer>>

/** Largest clear attachment of this test's server. */
const MAX = 100_000

/**
 * The attachment routes in process: who may store, read and delete, the size limit before and while
 * reading, and what is not an attachment body. (End to end through the SDK: tests/attachments/.)
 */
describe('attachment routes (in process)', () => {
  let s: Server
  let owner: { hcpId: string; token: string }
  let other: { hcpId: string; token: string }
  let admin: string
  let sampleId: string

  beforeAll(async () => {
    s = await startInProcessServer({ attachmentMaxBytes: MAX })
    owner = await s.createHcp(`owner-${randomUUID()}`)
    other = await s.createHcp(`other-${randomUUID()}`)
    admin = await s.login('admin', s.adminPassword)
    sampleId = randomUUID()
    const created = await s.request({
      method: 'POST',
      url: API_PREFIX + routePath(ENTITY_ROUTES.dataSample.create),
      token: owner.token,
      payload: entityDoc(sampleId, owner.hcpId, [owner.hcpId]),
    })
    expect(created.status).toBe(200)
  })
  afterAll(() => s.close())

  const url = (documentId: string, id = sampleId) =>
    API_PREFIX + routePath(ROUTES.getDataSampleAttachment, { id, documentId })
  const put = (token: string, documentId: string, payload: Buffer | Readable, headers = {}) =>
    s.request<{ error: { code: string; message: string } }>({
      method: 'PUT',
      url: url(documentId),
      token,
      payload,
      headers: { 'content-type': 'application/octet-stream', ...headers },
    })

  it('stores, streams back and deletes the bytes of a delegate of the sample', async () => {
    const documentId = randomUUID()
    const bytes = randomBytes(70_000)
    const stored = await put(owner.token, documentId, bytes)
    expect(stored.status).toBe(200)
    expect(stored.body).toEqual({ dataSampleId: sampleId, documentId, size: bytes.length })
    const read = await s.server.inject({
      method: 'GET',
      url: url(documentId),
      headers: { authorization: `Bearer ${owner.token}` },
    })
    expect(read.statusCode).toBe(200)
    expect(read.headers['content-type']).toBe('application/octet-stream')
    expect(read.headers['content-length']).toBe(String(bytes.length))
    expect(read.rawPayload.equals(bytes)).toBe(true)
    const deleted = await s.request({ method: 'DELETE', url: url(documentId), token: owner.token })
    expect(deleted.status).toBe(200)
    expect(deleted.body).toEqual({ dataSampleId: sampleId, documentId })
    const gone = await s.request<{ error: { message: string } }>({
      method: 'GET',
      url: url(documentId),
      token: owner.token,
    })
    expect(gone.status).toBe(404)
    expect(gone.body.error.message).toBe(`Attachment ${documentId} of dataSample ${sampleId} not found`)
  })

  it('answers a data owner the sample is not shared with as for an unknown sample, and a non data owner 403', async () => {
    const documentId = randomUUID()
    expect((await put(owner.token, documentId, randomBytes(10))).status).toBe(200)
    for (const [id, token, status] of [
      [sampleId, other.token, 404],
      [randomUUID(), owner.token, 404],
      [sampleId, admin, 403],
    ] as const) {
      for (const method of ['GET', 'DELETE'] as const) {
        const res = await s.request<{ error: { code: string; message: string } }>({
          method,
          url: url(documentId, id),
          token,
        })
        expect(res.status, `${method} ${status}`).toBe(status)
        if (status === 404) expect(res.body.error.message).toBe(`dataSample ${id} not found`)
      }
      const written = await s.request({
        method: 'PUT',
        url: url(documentId, id),
        token,
        payload: randomBytes(10),
        headers: { 'content-type': 'application/octet-stream' },
      })
      expect(written.status).toBe(status)
    }
    // Nothing the others tried changed the stored attachment.
    const read = await s.server.inject({
      method: 'GET',
      url: url(documentId),
      headers: { authorization: `Bearer ${owner.token}` },
    })
    expect(read.rawPayload.length).toBe(10)
  })

  it('refuses with 413, before reading, a body announced over the limit, keeping nothing', async () => {
    const limit = maxEncryptedAttachmentBytes(MAX)
    const announced = randomUUID()
    const tooLong = await put(owner.token, announced, randomBytes(limit + 1))
    expect(tooLong.status).toBe(413)
    expect(tooLong.body.error.message).toBe(
      `Attachment too large: this server accepts attachments of up to ${MAX} bytes (${limit} bytes once encrypted; CAIRN_ATTACHMENT_MAX_BYTES); nothing was stored`,
    )
    expect((await s.request({ method: 'GET', url: url(announced), token: owner.token })).status).toBe(404)
    // (A body that passes the limit while streaming, without a length: tests/attachments/, over a real
    // socket; `inject` aborts its own payload stream when the server stops reading it.)
    // Exactly the limit is accepted.
    expect((await put(owner.token, randomUUID(), randomBytes(limit))).status).toBe(200)
  })

  it('takes only raw bytes: a JSON body is a 400, and ids must be UUIDs', async () => {
    const json = await s.request<{ error: { message: string } }>({
      method: 'PUT',
      url: url(randomUUID()),
      token: owner.token,
      payload: { bytes: 'AAAA' },
    })
    expect(json.status).toBe(400)
    expect(json.body.error.message).toMatch(/application\/octet-stream/)
    const badId = await s.request({
      method: 'GET',
      url: `${API_PREFIX}/datasample/${sampleId}/attachment/..%2F..%2Fetc`,
      token: owner.token,
    })
    expect(badId.status).toBe(400)
  })
})
