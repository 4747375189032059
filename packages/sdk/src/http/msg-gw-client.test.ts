import { createServer, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HttpClient } from './http-client.ts'
import { MsgGwClient } from './msg-gw-client.ts'
import { SdkError } from './sdk-error.ts'

/** One request as the local HTTP server received it. */
interface Received {
  method: string
  url: string
  authorization?: string
}

const INVITATION = {
  email: { subject: 's', html: 'h PLACEHOLDERPLACEHOLDERPLACEHOLDER' },
  tokenValidity: 3600,
  tokenPlaceholder: 'PLACEHOLDERPLACEHOLDERPLACEHOLDER',
}

/**
 * Where the session's token goes when the SDK calls the message gateway: a local HTTP server that
 * answers a login with a token and records every request, reached as 127.0.0.1 (the server's origin)
 * and as localhost (another origin, the same server).
 */
describe('MsgGwClient and the session token', () => {
  let server: Server
  let port = 0
  const received: Received[] = []
  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume()
      req.on('end', () => {
        received.push({
          method: req.method ?? '',
          url: req.url ?? '',
          authorization: req.headers.authorization,
        })
        res.setHeader('content-type', 'application/json')
        res.end(
          req.url === '/rest/v1/auth/login'
            ? JSON.stringify({ token: 'session-token', refreshToken: 'refresh', userId: 'u' })
            : JSON.stringify({ messageId: 'm', channel: 'email', requestId: 'r' }),
        )
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
    const address = server.address()
    port = typeof address === 'object' && address ? address.port : 0
  })
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

  const http = () => new HttpClient(`http://127.0.0.1:${port}`, { username: 'doctor', password: 'secret' })

  it('goes with an invitation to the server itself, under the msgGwUrl path', async () => {
    const gateway = new MsgGwClient(`http://127.0.0.1:${port}/msggw`, 'app', http())
    expect(await gateway.invite('user-1', INVITATION)).toEqual({
      messageId: 'm',
      channel: 'email',
      requestId: 'r',
    })
    expect(received.at(-1)).toEqual({
      method: 'POST',
      url: '/msggw/app/invite/user-1',
      authorization: 'Bearer session-token',
    })
  })

  it('never goes to another origin: an invitation there is refused before any request, a process start goes without it', async () => {
    const elsewhere = new MsgGwClient(`http://localhost:${port}/gateway`, 'app', http())
    const before = received.length
    const error = await elsewhere.invite('user-1', INVITATION).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SdkError)
    expect(error).toMatchObject({ code: 'BAD_REQUEST', status: 0 })
    expect((error as SdkError).message).toMatch(/never sent to another origin/)
    expect(received.length).toBe(before)

    await elsewhere.startProcess(
      'p',
      '6f1c2d1e-2a1b-4c3d-9e8f-0a1b2c3d4e5f',
      { from: 'a@example.org' },
      undefined,
    )
    expect(received.at(-1)).toEqual({
      method: 'POST',
      url: '/gateway/app/process/p/6f1c2d1e-2a1b-4c3d-9e8f-0a1b2c3d4e5f',
      authorization: undefined,
    })
  })
})
