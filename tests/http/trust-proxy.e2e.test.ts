import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { disposeServer, startServer, type ServerProcess } from '../support/server-process.ts'

/**
 * A server behind one reverse proxy (CAIRN_TRUST_PROXY=1, the hop count): the client address is the
 * one the proxy appended to X-Forwarded-For (what the request log and the per-address login limit
 * use), never one a client wrote there itself, and X-Forwarded-Proto: https makes the answer carry
 * Strict-Transport-Security. tests/http/security-headers.e2e.test.ts checks that a server trusting no
 * proxy ignores both headers.
 */

const HSTS_MAX_AGE = 600

/** The request log line of the request answered with `requestId`. */
function logLine(server: ServerProcess, requestId: string): Record<string, unknown> {
  const line = server
    .stdout()
    .split('\n')
    .find((l) => l.includes(`"reqId":"${requestId}"`) && l.includes('"msg":"request"'))
  expect(line, `log line of ${requestId}`).toBeDefined()
  return JSON.parse(line!) as Record<string, unknown>
}

describe('behind a trusted proxy (CAIRN_TRUST_PROXY=1)', () => {
  let server: ServerProcess

  beforeAll(async () => {
    server = await startServer({
      env: { CAIRN_TRUST_PROXY: '1', CAIRN_HSTS_MAX_AGE: String(HSTS_MAX_AGE) },
    })
  })
  afterAll(() => disposeServer(server))

  /** GET /health with these headers; its request id once the log line is written. */
  const call = async (headers: Record<string, string>) => {
    const res = await fetch(`${server.url}/health`, { headers })
    await res.body?.cancel()
    const id = res.headers.get('x-request-id')!
    // The log line is written once the answer is sent: wait for it.
    for (let i = 0; i < 50 && !server.stdout().includes(`"reqId":"${id}","method"`); i++)
      await new Promise((r) => setTimeout(r, 20))
    return { res, id }
  }

  it('takes the client address the proxy appended, not one the client wrote', async () => {
    const direct = await call({ 'x-forwarded-for': '203.0.113.7' })
    expect(logLine(server, direct.id).remoteAddress).toBe('203.0.113.7')
    // A client sending its own X-Forwarded-For through the proxy: the proxy appends the real one.
    const spoofed = await call({ 'x-forwarded-for': '198.51.100.1, 203.0.113.9' })
    expect(logLine(server, spoofed.id).remoteAddress).toBe('203.0.113.9')
    const none = await call({})
    expect(logLine(server, none.id).remoteAddress).toBe('127.0.0.1')
  })

  it('sends Strict-Transport-Security only when the proxy says the request came over HTTPS', async () => {
    const https = await call({ 'x-forwarded-proto': 'https' })
    expect(https.res.headers.get('strict-transport-security')).toBe(`max-age=${HSTS_MAX_AGE}`)
    const http = await call({ 'x-forwarded-proto': 'http' })
    expect(http.res.headers.get('strict-transport-security')).toBeNull()
    const plain = await call({})
    expect(plain.res.headers.get('strict-transport-security')).toBeNull()
  })
})
