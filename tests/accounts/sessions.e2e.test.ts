import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { User, medTechApi } from '@cairn/sdk'
import type { AuthResponseDto, UserDto } from '@cairn/protocol'
import { BACKENDS } from '../support/backends.ts'
import { disposeServer, startServer, type ServerProcess } from '../support/server-process.ts'
import { client, expectError, type Client } from '../access/http.ts'
import { login } from '../support/actors.ts'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Settings that make the timing rules observable within a test. */
const ENV = {
  CAIRN_LOGIN_MAX_FAILURES: '3',
  CAIRN_LOGIN_MAX_DELAY_SECONDS: '2',
  CAIRN_REAUTH_WINDOW_SECONDS: '3',
  // One secret for every instance of a deployment (the second instance below shares the database).
  CAIRN_JWT_SECRET: `test-secret-${randomUUID()}`,
}

/**
 * Sessions, refresh-token rotation, logout, recent authentication and login back-off, through raw
 * HTTP against real server processes, on each database.
 */
describe.each(BACKENDS.filter((b) => b.enabled))('accounts and sessions ($name)', ({ databaseUrl }) => {
  let server: ServerProcess
  let api: Client
  let adminToken: string

  /** A new user made by the admin (no data owner), with its login, email, phone and password. */
  async function newUser(): Promise<{
    id: string
    login: string
    email: string
    phone: string
    password: string
  }> {
    const id = randomUUID()
    const password = `pw-${randomUUID()}`
    const u = {
      id,
      login: `user-${id}`,
      email: `${id}@example.org`,
      mobilePhone: `+32${Math.floor(Math.random() * 1e9)}`,
      password,
    }
    // A fresh admin login each time: creating users is not subject to the recent-login rule, but
    // tests further down age the clock past the window of this file's server.
    const created = await api.post(
      '/rest/v1/user',
      u,
      (await api.login(server.adminLogin, server.adminPassword)).token,
    )
    expect(created.status, created.text).toBe(200)
    return { id, login: u.login, email: u.email, phone: u.mobilePhone, password }
  }

  const refresh = (refreshToken: string) =>
    api.post<AuthResponseDto>('/rest/v1/auth/refresh', { refreshToken })
  const tryLogin = (username: string, password: string) =>
    api.post<AuthResponseDto>('/rest/v1/auth/login', { username, password })

  beforeAll(async () => {
    server = await startServer({ databaseUrl, env: ENV })
    api = client(server.url)
    adminToken = (await api.login(server.adminLogin, server.adminPassword)).token
  })
  afterAll(() => disposeServer(server))

  it('a refresh token works once: presenting a spent one revokes the whole session', async () => {
    const u = await newUser()
    const first = await api.login(u.login, u.password)
    const second = await refresh(first.refreshToken)
    expect(second.status, second.text).toBe(200)
    expect(second.body.refreshToken).not.toBe(first.refreshToken)
    expect((await api.get('/rest/v1/user/current', second.body.token)).status).toBe(200)
    // The spent token again (a thief replaying it, or the user after a theft): refused...
    expectError(await refresh(first.refreshToken), 401, 'UNAUTHORIZED', /already used.*session is revoked/)
    // ...and the session is over for everyone: its current refresh token and access tokens too.
    expectError(await refresh(second.body.refreshToken), 401, 'UNAUTHORIZED', /session was ended/)
    expectError(
      await api.get('/rest/v1/user/current', second.body.token),
      401,
      'UNAUTHORIZED',
      /session was ended/,
    )
    expectError(await api.get('/rest/v1/user/current', first.token), 401, 'UNAUTHORIZED')
    // Another login opens a new session.
    expect((await tryLogin(u.login, u.password)).status).toBe(200)
  })

  it('of two refreshes racing with the same token, one wins and the session is revoked', async () => {
    const u = await newUser()
    const tokens = await api.login(u.login, u.password)
    const answers = await Promise.all([refresh(tokens.refreshToken), refresh(tokens.refreshToken)])
    expect(answers.filter((a) => a.status === 200).length).toBeLessThanOrEqual(1)
    expect(answers.some((a) => a.status === 401)).toBe(true)
    for (const a of answers.filter((x) => x.status === 200))
      expect((await api.get('/rest/v1/user/current', a.body.token)).status).toBe(401)
  })

  it('logout ends this session only: its access and refresh tokens are refused, other sessions go on', async () => {
    const u = await newUser()
    const a = await api.login(u.login, u.password)
    const b = await api.login(u.email, u.password)
    const out = await api.post('/rest/v1/auth/logout', undefined, a.token)
    expect(out.status, out.text).toBe(200)
    expect(out.body).toEqual({ sessionsEnded: 1 })
    expectError(await api.get('/rest/v1/user/current', a.token), 401, 'UNAUTHORIZED', /session was ended/)
    expectError(await refresh(a.refreshToken), 401, 'UNAUTHORIZED', /session was ended/)
    expect((await api.get('/rest/v1/user/current', b.token)).status).toBe(200)
    expect((await refresh(b.refreshToken)).status).toBe(200)
    expectError(await api.post('/rest/v1/auth/logout', undefined), 401, 'UNAUTHORIZED')
  })

  it('a password change ends every other session of the user and keeps the one that made it', async () => {
    const u = await newUser()
    const mine = await api.login(u.login, u.password)
    const other = await api.login(u.login, u.password)
    const user = (await api.get<UserDto>('/rest/v1/user/current', mine.token)).body
    const changed = await api.put('/rest/v1/user', { ...user, password: 'the new password' }, mine.token)
    expect(changed.status, changed.text).toBe(200)
    expectError(await api.get('/rest/v1/user/current', other.token), 401, 'UNAUTHORIZED')
    expectError(await refresh(other.refreshToken), 401, 'UNAUTHORIZED')
    expect((await api.get('/rest/v1/user/current', mine.token)).status).toBe(200)
    expect((await tryLogin(u.login, 'the new password')).status).toBe(200)
  })

  it('changing its own password or email needs a recent login, which a refresh does not renew', async () => {
    const u = await newUser()
    const tokens = await api.login(u.login, u.password)
    const admin = await api.login(server.adminLogin, server.adminPassword)
    await sleep(3500)
    const renewed = await refresh(tokens.refreshToken)
    expect(renewed.status).toBe(200)
    const user = (await api.get<UserDto>('/rest/v1/user/current', renewed.body.token)).body
    // A stolen access token (or refresh token) alone cannot take the account over.
    expectError(
      await api.put('/rest/v1/user', { ...user, password: 'taken over' }, renewed.body.token),
      403,
      'REAUTHENTICATION_REQUIRED',
      /recent login/,
    )
    expectError(
      await api.put('/rest/v1/user', { ...user, email: `evil-${u.id}@example.org` }, renewed.body.token),
      403,
      'REAUTHENTICATION_REQUIRED',
    )
    expect((await tryLogin(u.login, 'taken over')).status).toBe(401)
    // Nor mint a long-lived token (a password that outlives the session)...
    expectError(
      await api.post(`/rest/v1/user/${u.id}/token`, { validity: 3600 }, renewed.body.token),
      403,
      'REAUTHENTICATION_REQUIRED',
    )
    // ...and a manager's (here the admin's) stale session cannot reset the password of a user it manages.
    expectError(
      await api.put('/rest/v1/user', { ...user, password: 'reset by a thief' }, admin.token),
      403,
      'REAUTHENTICATION_REQUIRED',
      new RegExp(`password of user ${u.id}`),
    )
    expect((await tryLogin(u.login, 'reset by a thief')).status).toBe(401)
    // Other changes go on, and a fresh login allows the change.
    const renamed = await api.put('/rest/v1/user', { ...user, name: 'Renamed' }, renewed.body.token)
    expect(renamed.status, renamed.text).toBe(200)
    const fresh = await api.login(u.login, u.password)
    const ok = await api.put(
      '/rest/v1/user',
      { ...(renamed.body as UserDto), password: 'chosen by the user' },
      fresh.token,
    )
    expect(ok.status, ok.text).toBe(200)
  })

  it('the SDK logs in again by itself when the server asks for a recent login', async () => {
    const u = await newUser()
    const sdk = await login(server, u.login, u.password)
    await sleep(3500)
    const user = await sdk.userApi.getLoggedUser()
    const saved = await sdk.userApi.createOrModifyUser(
      new User({ ...user, passwordHash: 'changed by the SDK' }),
    )
    expect(saved.id).toBe(u.id)
    expect((await tryLogin(u.login, 'changed by the SDK')).status).toBe(200)
    await sdk.logout()
    // Usable again: the next call opens a new session with the builder's credentials... which are
    // the old password now, so it is refused as a wrong password would be.
    await expect(sdk.userApi.getLoggedUser()).rejects.toThrow(/^401 - Invalid username or password/)
  })

  it('a disposed SDK ends its session and never logs in again: every later call rejects', async () => {
    const u = await newUser()
    const sdk = await login(server, u.login, u.password)
    // The session's access token, read through the client's internal accessor, to show it ends.
    const http = (sdk as unknown as { ctx: { http: { accessToken(): Promise<string> } } }).ctx.http
    const token = await http.accessToken()
    expect((await api.get('/rest/v1/user/current', token)).status).toBe(200)
    const running = sdk.userApi.getLoggedUser()
    await sdk.dispose()
    // A call sent before dispose may still be answered; any call after it is refused by the SDK itself.
    await running.catch((e: Error) => expect(e.message).toMatch(/disposed/))
    expectError(await api.get('/rest/v1/user/current', token), 401, 'UNAUTHORIZED', /session was ended/)
    expect(sdk.disposed).toBe(true)
    expect(sdk.password).toBe('')
    await expect(sdk.userApi.getLoggedUser()).rejects.toThrow(/This API was disposed: sign in again/)
    await expect(http.accessToken()).rejects.toThrow(/disposed/)
    // Nothing to rebuild from: the credentials are gone.
    expect(() => medTechApi(sdk)).toThrow(/disposed/)
    await sdk.dispose()
    await sdk.logout()
  })

  it('parallel guesses get no more tries than one at a time', async () => {
    const u = await newUser()
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => tryLogin(u.email, `guess ${i}`)))
    const statuses = answers.map((a) => a.status)
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(3)
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(27)
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true)
  })

  it('a session opened with a long-lived token ends with the token, and cannot mint a longer one', async () => {
    const u = await newUser()
    const admin = (await api.login(server.adminLogin, server.adminPassword)).token
    // Ten seconds: long enough for the steps below on a loaded machine; the wait at the end is what remains.
    const validity = 10
    const made = await api.post<{ token: string }>(`/rest/v1/user/${u.id}/token`, { validity }, admin)
    expect(made.status, made.text).toBe(200)
    const viaToken = await api.login(u.login, made.body.token)
    const minted = await api.post<{ token: string }>(
      `/rest/v1/user/${u.id}/token`,
      { validity: 365 * 24 * 3600 },
      viaToken.token,
    )
    expect(minted.status, minted.text).toBe(200)
    const listed = await api.get<{ tokenId: string; validity: number; creationTime: number }[]>(
      `/rest/v1/user/${u.id}/token`,
      admin,
    )
    const mintedInfo = listed.body.find((t) => t.tokenId === minted.body.token.split('.')[0])
    expect(mintedInfo?.validity).toBeLessThanOrEqual(validity)
    // Nor make itself permanent: no password or email change in a session opened with a token.
    const me = (await api.get<UserDto>('/rest/v1/user/current', viaToken.token)).body
    expectError(
      await api.put('/rest/v1/user', { ...me, password: 'now it is mine' }, viaToken.token),
      403,
      'REAUTHENTICATION_REQUIRED',
      /opened with a long-lived token/,
    )
    expectError(
      await api.put('/rest/v1/user', { ...me, email: `thief-${u.id}@example.org` }, viaToken.token),
      403,
      'REAUTHENTICATION_REQUIRED',
    )
    // Wait until the first token has expired (the server and the test share the clock), plus a margin.
    const madeAt = listed.body.find((t) => t.tokenId === made.body.token.split('.')[0])!.creationTime
    await sleep(Math.max(0, madeAt + validity * 1000 + 500 - Date.now()))
    // Its access tokens stop with the token too, not an hour later.
    expectError(await api.get('/rest/v1/user/current', viaToken.token), 401, 'UNAUTHORIZED', /has expired/)
    expectError(await refresh(viaToken.refreshToken), 401, 'UNAUTHORIZED', /expired/)
    expect((await tryLogin(u.login, minted.body.token)).status).toBe(401)
  })

  it('an invited user without a password sets its first one in the session opened with its token', async () => {
    const admin = (await api.login(server.adminLogin, server.adminPassword)).token
    const id = randomUUID()
    const created = await api.post('/rest/v1/user', { id, login: `invited-${id}` }, admin)
    expect(created.status, created.text).toBe(200)
    const invitation = await api.post<{ token: string }>(
      `/rest/v1/user/${id}/token`,
      { validity: 600 },
      admin,
    )
    const session = await api.login(`invited-${id}`, invitation.body.token)
    const me = (await api.get<UserDto>('/rest/v1/user/current', session.token)).body
    const set = await api.put<UserDto>(
      '/rest/v1/user',
      { ...me, password: 'my first password' },
      session.token,
    )
    expect(set.status, set.text).toBe(200)
    expect((await tryLogin(`invited-${id}`, 'my first password')).status).toBe(200)
  })

  it('parallel valid logins of many users from one address all go through', async () => {
    const users = []
    for (let i = 0; i < 12; i++) users.push(await newUser())
    const answers = await Promise.all(users.map((u) => tryLogin(u.login, u.password)))
    expect(answers.map((a) => a.status)).toEqual(users.map(() => 200))
  })

  it('a disabled account answers the right password exactly as a wrong one', async () => {
    const u = await newUser()
    const user = (await api.get<UserDto>(`/rest/v1/user/${u.id}`, adminToken)).body
    const disabled = await api.put('/rest/v1/user', { ...user, status: 'DISABLED' }, adminToken)
    expect(disabled.status, disabled.text).toBe(200)
    const right = await tryLogin(u.login, u.password)
    const wrong = await tryLogin(u.login, 'not the password')
    expectError(right, 401, 'UNAUTHORIZED', 'Invalid username or password')
    expect(right.text).toBe(wrong.text)
  })

  it('failed logins slow the account down across its identifiers, with Retry-After, not other accounts', async () => {
    const u = await newUser()
    const bystander = await newUser()
    for (let i = 0; i < 3; i++) expectError(await tryLogin(u.login, `wrong ${i}`), 401, 'UNAUTHORIZED')
    // The fourth try waits, whichever identifier names the account, even with the right password.
    for (const id of [u.login, u.email, u.phone, u.login.toUpperCase()]) {
      const res = await api.call('POST', '/rest/v1/auth/login', {
        json: { username: id, password: u.password },
      })
      expectError(res, 429, 'RATE_LIMITED', /try again in 1 second/)
    }
    const raw = await fetch(`${server.url}/rest/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: u.email, password: 'x' }),
    })
    expect(raw.status).toBe(429)
    expect(raw.headers.get('retry-after')).toBe('1')
    // Another account from the same address is not held up.
    expect((await tryLogin(bystander.login, bystander.password)).status).toBe(200)
    // Back-off doubles after each further failure, up to the maximum (2 s here), never a lock.
    await sleep(1100)
    expectError(await tryLogin(u.phone, 'wrong again'), 401, 'UNAUTHORIZED')
    expectError(await tryLogin(u.login, u.password), 429, 'RATE_LIMITED', /try again in 2 seconds/)
    await sleep(2100)
    expect((await tryLogin(u.login, u.password)).status).toBe(200)
    // A success clears the account's count.
    expectError(await tryLogin(u.login, 'one more wrong'), 401, 'UNAUTHORIZED')
    expect((await tryLogin(u.login, u.password)).status).toBe(200)
    // Logged as warnings with the account id, never the password tried.
    await sleep(100)
    const lines = server
      .output()
      .split('\n')
      .filter((l) => l.includes('login failed'))
    expect(lines.some((l) => l.includes(u.id))).toBe(true)
    expect(server.output()).not.toContain('wrong again')
    expect(server.output()).not.toContain(u.password)
  })

  it('the back-off is shared by every instance on the database', async () => {
    const second = await startServer({
      databaseUrl,
      env: ENV,
      ...(databaseUrl ? { pgSchema: server.pgSchema } : { dataDir: server.dataDir }),
    })
    try {
      const other = client(second.url)
      const u = await newUser()
      for (let i = 0; i < 3; i++) expectError(await tryLogin(u.login, `wrong ${i}`), 401, 'UNAUTHORIZED')
      const res = await other.post('/rest/v1/auth/login', { username: u.login, password: u.password })
      expectError(res, 429, 'RATE_LIMITED')
      // Sessions are shared too: a token of one instance works on the other, and a logout through
      // one ends the session on both.
      await sleep(1100)
      const tokens = await other.login(u.login, u.password)
      expect((await api.get('/rest/v1/user/current', tokens.token)).status).toBe(200)
      expect((await other.post('/rest/v1/auth/logout', undefined, tokens.token)).status).toBe(200)
      await sleep(1100)
      expectError(await api.get('/rest/v1/user/current', tokens.token), 401, 'UNAUTHORIZED')
    } finally {
      await second.stop()
    }
  })
})
