import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { disposeServer, startServer, type ServerProcess } from '../support/server-process.ts'

/**
 * The request log of a real server process (stdout is a pipe here: JSON lines): one line per
 * request; a refused one also names its error code and, when the caller was authenticated, its
 * user id. Passwords, tokens and bodies never appear.
 */

const R = '/rest/v1'

describe('request log (one real server)', () => {
  let server: ServerProcess
  let token: string
  let adminId: string

  /** The request log line of the answer `res`, once written. */
  const lineOf = async (res: Response): Promise<Record<string, unknown>> => {
    await res.body?.cancel()
    const id = res.headers.get('x-request-id')!
    const find = () =>
      server
        .stdout()
        .split('\n')
        .find((l) => l.includes(`"reqId":"${id}","method"`))
    for (let i = 0; i < 50 && !find(); i++) await new Promise((r) => setTimeout(r, 20))
    expect(find(), `log line of ${id}`).toBeDefined()
    return JSON.parse(find()!) as Record<string, unknown>
  }
  const login = (username: string, password: string) =>
    fetch(`${server.url}${R}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    })

  beforeAll(async () => {
    server = await startServer()
    const res = await login(server.adminLogin, server.adminPassword)
    expect(res.status).toBe(200)
    ;({ token, userId: adminId } = (await res.json()) as { token: string; userId: string })
  })
  afterAll(() => disposeServer(server))

  it('writes JSON lines to a pipe, without error fields on successes', async () => {
    const line = await lineOf(await fetch(`${server.url}/health`))
    expect(line).toMatchObject({ level: 30, method: 'GET', url: '/health', statusCode: 200, msg: 'request' })
    expect(line).not.toHaveProperty('code')
    expect(line).not.toHaveProperty('userId')
  })

  it('names the error code and the authenticated user of a refused request', async () => {
    const auth = { authorization: `Bearer ${token}` }
    const forbidden = await lineOf(
      await fetch(`${server.url}${R}/patient/${crypto.randomUUID()}`, { headers: auth }),
    )
    expect(forbidden).toMatchObject({ statusCode: 403, code: 'FORBIDDEN', userId: adminId })
    const unknownRoute = await lineOf(await fetch(`${server.url}${R}/nope`, { headers: auth }))
    expect(unknownRoute).toMatchObject({ statusCode: 404, code: 'NOT_FOUND' })
    const invalid = await lineOf(
      await fetch(`${server.url}${R}/user`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: '{"id":',
      }),
    )
    expect(invalid).toMatchObject({ statusCode: 400, code: 'BAD_REQUEST', userId: adminId })
    // Not authenticated: a code, no user.
    const anonymous = await lineOf(await fetch(`${server.url}${R}/user/current`))
    expect(anonymous).toMatchObject({ statusCode: 401, code: 'UNAUTHORIZED' })
    expect(anonymous.userId).toBeUndefined()
    const badUrl = await lineOf(await fetch(`${server.url}${R}/patient/%C3%28`))
    expect(badUrl).toMatchObject({ statusCode: 400, code: 'BAD_REQUEST', url: `${R}/patient/%C3%28` })
  })

  it('never writes a password, a token or a body', async () => {
    const wrong = 'a-wrong-password-that-must-not-be-logged'
    const failed = await lineOf(await login(server.adminLogin, wrong))
    expect(failed).toMatchObject({ statusCode: 401, code: 'UNAUTHORIZED' })
    const out = server.output()
    expect(out).not.toContain(wrong)
    expect(out).not.toContain(server.adminPassword)
    expect(out).not.toContain(token)
    expect(out).not.toContain('"id":')
  })

  it('logs route templates, never the ids or emails of the path', async () => {
    const auth = { authorization: `Bearer ${token}` }
    const email = `private-${crypto.randomUUID()}@example.org`
    const byEmail = await lineOf(await fetch(`${server.url}${R}/user/byEmail/${email}`, { headers: auth }))
    expect(byEmail).toMatchObject({ statusCode: 404, url: `${R}/user/byEmail/:email` })
    const id = crypto.randomUUID()
    const byId = await lineOf(await fetch(`${server.url}${R}/patient/${id}`, { headers: auth }))
    expect(byId).toMatchObject({ url: `${R}/patient/:id` })
    expect(server.output()).not.toContain(email)
    expect(server.output()).not.toContain(id)
  })
})
