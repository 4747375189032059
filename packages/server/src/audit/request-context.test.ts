import { connect } from 'node:net'
import Fastify from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { installRequestContext, requestContext, requestContextCount } from './request-context.ts'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('request context', () => {
  const app = Fastify()
  let seen: (string | undefined)[] = []
  installRequestContext(app)
  app.get('/slow', async (request) => {
    seen.push(requestContext(request.id)?.clientAddress)
    await sleep(150)
    return { ok: true }
  })
  afterEach(() => {
    seen = []
  })

  it('is known while the request is served and forgotten once answered', async () => {
    const res = await app.inject({ method: 'GET', url: '/slow', remoteAddress: '10.1.2.3' })
    expect(res.statusCode).toBe(200)
    expect(seen).toEqual(['10.1.2.3'])
    expect(requestContextCount()).toBe(0)
  })

  it('is forgotten when the client sends a whole request and leaves before the answer', async () => {
    const address = await app.listen({ port: 0, host: '127.0.0.1' })
    const { port } = new URL(address)
    for (let i = 0; i < 20; i++) {
      const socket = connect(Number(port), '127.0.0.1')
      socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n')
      setTimeout(() => socket.destroy(), 20)
    }
    await sleep(400)
    expect(seen).toHaveLength(20)
    expect(requestContextCount()).toBe(0)
    await app.close()
  })
})
