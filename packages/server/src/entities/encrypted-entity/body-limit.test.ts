import { randomBytes, randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { API_PREFIX, DEFAULT_BODY_LIMIT, MAX_BATCH_SIZE, type ErrorBody } from '@cairn/protocol'
import { loadConfig } from '../../config.ts'
import { entityDoc, startInProcessServer } from '../../testing/in-process-server.ts'

type Server = Awaited<ReturnType<typeof startInProcessServer>>

describe('body and batch limits (in process)', () => {
  let s: Server
  let a: { hcpId: string; token: string }

  beforeAll(async () => {
    s = await startInProcessServer()
    a = await s.createHcp('a@example.org')
  })
  afterAll(() => s.close())

  /** A sample of about 3.5 kB, like an SDK-encrypted one (3 data owners, a measure and a comment). */
  const sample = () => {
    const doc = entityDoc(randomUUID(), a.hcpId, [a.hcpId, randomUUID(), randomUUID()])
    doc.systemMetaData.cryptedForeignKeys = doc.systemMetaData.delegations
    doc.systemMetaData.encryptedSelf = randomBytes(1800).toString('base64')
    return doc
  }
  const post = (payload: string) =>
    s.request<ErrorBody>({
      method: 'POST',
      url: `${API_PREFIX}/datasample/batch`,
      token: a.token,
      headers: { 'content-type': 'application/json' },
      payload,
    })

  it('the server defaults to the protocol body limit', () => {
    expect(loadConfig({}).bodyLimit).toBe(DEFAULT_BODY_LIMIT)
    expect(loadConfig({ CAIRN_BODY_LIMIT: '1000' }).bodyLimit).toBe(1000)
  })

  it('a full batch of realistic samples fits in one request', async () => {
    const body = JSON.stringify(Array.from({ length: MAX_BATCH_SIZE }, sample))
    expect(Buffer.byteLength(body)).toBeLessThan(DEFAULT_BODY_LIMIT)
    const res = await post(body)
    expect(res.status, res.text.slice(0, 300)).toBe(200)
  })

  it('one more entity than MAX_BATCH_SIZE is a 400', async () => {
    const res = await post(JSON.stringify(Array.from({ length: MAX_BATCH_SIZE + 1 }, sample)))
    expect(res.status).toBe(400)
    expect(res.body.error.message).toContain(`must NOT have more than ${MAX_BATCH_SIZE} items`)
  })

  const oversize = () => {
    const doc = sample()
    doc.systemMetaData.encryptedSelf = 'A'.repeat(DEFAULT_BODY_LIMIT)
    return JSON.stringify([doc])
  }

  it('a body over the limit is a 413 PAYLOAD_TOO_LARGE', async () => {
    const res = await post(oversize())
    expect(res.status).toBe(413)
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE')
  })

  it('the 413 message states the limit in bytes', async () => {
    const res = await post(oversize())
    expect(res.body.error.message).toContain(String(DEFAULT_BODY_LIMIT))
  })
})
