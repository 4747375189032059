import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TokenInfoDto, UserDto } from '@cairn/protocol'
import { BACKENDS } from '../support/backends.ts'
import { disposeServer, startServer, type ServerProcess } from '../support/server-process.ts'
import { newHcp, newPatient, type Actor } from '../support/actors.ts'
import { client, expectError, type Client } from '../access/http.ts'
import { ageSessions, createUser, rawSql, readUser, type RawSql } from './accounts-support.ts'

/**
 * Healthcare professionals manage the users they create (seed 004: "manage other Users, by changing
 * their passwords or deactivating them"), over raw HTTP against a real server on each backend: who
 * manages (docs/access.md), what a password change or a deactivation ends (sessions, long-lived
 * tokens), and the recent login a user needs to change its own password or email.
 */
const R = '/rest/v1'

for (const backend of BACKENDS) {
  describe.skipIf(!backend.enabled)(`managing users (${backend.name})`, () => {
    let server: ServerProcess
    let http: Client
    let sql: RawSql
    let hcpA: Actor
    let hcpB: Actor
    let pat: Actor
    const tok = { admin: '', a: '', b: '', p: '' }

    /** Logs in and answers the access token (200 expected). */
    const loginToken = async (login: string, password: string) => (await http.login(login, password)).token
    /** The status of a login attempt. */
    const loginStatus = async (username: string, password: string) =>
      (await http.post(`${R}/auth/login`, { username, password })).status
    /** The status of a request with an access token (200: it still works). */
    const tokenStatus = async (token: string) => (await http.get(`${R}/user/current`, token)).status

    beforeAll(async () => {
      server = await startServer({ databaseUrl: backend.databaseUrl })
      http = client(server.url)
      sql = await rawSql(server)
      ;[hcpA, hcpB] = await Promise.all([newHcp(server, 'manager'), newHcp(server, 'other')])
      pat = await newPatient(server, hcpA, 'Managed')
      tok.admin = await loginToken(server.adminLogin, server.adminPassword)
      tok.a = await loginToken(hcpA.login, hcpA.password)
      tok.b = await loginToken(hcpB.login, hcpB.password)
      tok.p = await loginToken(pat.login, pat.password)
    })
    afterAll(async () => {
      await sql?.close()
      await disposeServer(server)
    })

    it('lets a professional create a user linked to no data owner, which it then manages', async () => {
      const { body, user } = await createUser(http, tok.a, { email: `${crypto.randomUUID()}@example.org` })
      expect(user).not.toHaveProperty('healthcarePartyId')
      // Its creator sees all of it and creates a long-lived token usable as its password.
      expect(await readUser(http, tok.a, user.id)).toMatchObject({ login: body.login, email: body.email })
      const token = await http.post<{ token: string }>(`${R}/user/${user.id}/token`, { validity: 600 }, tok.a)
      expect(token.status, token.text).toBe(200)
      expect(await loginStatus(body.login, token.body.token)).toBe(200)
      expect(await loginStatus(body.login, body.password)).toBe(200)
    })

    it('lets the manager set a password, deactivate and reactivate a user; each ends its sessions and tokens', async () => {
      const { body, user } = await createUser(http, tok.a)
      const session = await loginToken(body.login, body.password)
      const longLived = (
        await http.post<{ token: string }>(`${R}/user/${user.id}/token`, { validity: 3600 }, tok.a)
      ).body.token
      const tokenSession = await loginToken(body.login, longLived)

      // A new password: every session ends, long-lived tokens are deleted, the old password fails.
      const current = await readUser(http, tok.a, user.id)
      const reset = await http.put<UserDto>(`${R}/user`, { ...current, password: 'reset by manager' }, tok.a)
      expect(reset.status, reset.text).toBe(200)
      expect(reset.body.authenticationTokens).toEqual({})
      expect(await tokenStatus(session)).toBe(401)
      expect(await tokenStatus(tokenSession)).toBe(401)
      expect(await loginStatus(body.login, longLived)).toBe(401)
      expect(await loginStatus(body.login, body.password)).toBe(401)
      expect((await http.get<TokenInfoDto[]>(`${R}/user/${user.id}/token`, tok.a)).body).toEqual([])

      // Deactivation ends the new session and deletes the tokens: the account cannot log in until
      // reactivated, and what it had before does not come back with the reactivation.
      const again = await loginToken(body.login, 'reset by manager')
      const beforeDisabling = (
        await http.post<{ token: string }>(`${R}/user/${user.id}/token`, { validity: 3600 }, tok.a)
      ).body.token
      const latest = await readUser(http, tok.a, user.id)
      const disabled = await http.put<UserDto>(`${R}/user`, { ...latest, status: 'DISABLED' }, tok.a)
      expect(disabled.status, disabled.text).toBe(200)
      expect(disabled.body.authenticationTokens).toEqual({})
      expect(await tokenStatus(again)).toBe(401)
      expect(await loginStatus(body.login, 'reset by manager')).toBe(401)
      const active = await http.put<UserDto>(`${R}/user`, { ...disabled.body, status: 'ACTIVE' }, tok.a)
      expect(active.status, active.text).toBe(200)
      expect(await tokenStatus(again)).toBe(401)
      expect(await loginStatus(body.login, beforeDisabling)).toBe(401)
      expect(await loginStatus(body.login, 'reset by manager')).toBe(200)
    })

    it('lets the responsible professional of a device manage the device user another professional created', async () => {
      // hcpB's device, whose responsible professional an admin sets to hcpA.
      const device = await http.post<{ id: string }>(
        `${R}/device`,
        { id: crypto.randomUUID(), name: 'pump' },
        tok.b,
      )
      expect(device.status, device.text).toBe(200)
      const { body, user } = await createUser(http, tok.b, { deviceId: device.body.id })
      expect(await http.post(`${R}/user/${user.id}/token`, {}, tok.a).then((a) => a.status)).toBe(403)
      const stored = (await http.get<Record<string, unknown>>(`${R}/device/${device.body.id}`, tok.b)).body
      const moved = await http.put(`${R}/device`, { ...stored, responsible: hcpA.dataOwnerId }, tok.admin)
      expect(moved.status, moved.text).toBe(200)
      const current = await readUser(http, tok.a, user.id)
      expect(current.login).toBe(body.login)
      const put = await http.put(`${R}/user`, { ...current, password: 'set by the responsible' }, tok.a)
      expect(put.status, put.text).toBe(200)
      expect(await loginStatus(body.login, 'set by the responsible')).toBe(200)
    })

    it('refuses management to other professionals (403) and hides the user from patients (404)', async () => {
      const { user } = await createUser(http, tok.a)
      const current = await readUser(http, tok.a, user.id)
      const attempts: [string, string, unknown][] = [
        ['POST', `${R}/user/${user.id}/token`, {}],
        ['GET', `${R}/user/${user.id}/token`, undefined],
        ['PUT', `${R}/user`, { ...current, password: 'taken over' }],
        ['PUT', `${R}/user`, { ...current, status: 'DISABLED' }],
        ['DELETE', `${R}/user/${user.id}`, undefined],
      ]
      for (const [method, path, json] of attempts) {
        expectError(await http.call(method, path, { token: tok.b, json }), 403, 'FORBIDDEN')
        expectError(
          await http.call(method, path, { token: tok.p, json }),
          404,
          'NOT_FOUND',
          `User ${user.id} does not exist`,
        )
      }
      // A stale rev does not get them a 409 either (whose message would name the current rev).
      const stale = { ...current, rev: '1-0123456789abcdef', name: 'x' }
      expectError(await http.put(`${R}/user`, stale, tok.b), 403, 'FORBIDDEN')
      expectError(await http.put(`${R}/user`, stale, tok.p), 404, 'NOT_FOUND')
      expect(await readUser(http, tok.a, user.id)).toEqual(current)
    })

    it("never makes a professional the manager of a patient's user because the patient record was shared with it", async () => {
      const record = await hcpA.api.patientApi.getPatient(pat.dataOwnerId)
      await hcpA.api.patientApi.giveAccessTo(record, hcpB.dataOwnerId)
      expect((await http.get(`${R}/patient/${pat.dataOwnerId}`, tok.b)).status).toBe(200)
      const seen = await readUser(http, tok.b, pat.user.id!)
      expect(seen).toEqual({ id: pat.user.id, patientId: pat.dataOwnerId, status: 'ACTIVE' })
      const full = await readUser(http, tok.a, pat.user.id!)
      expectError(await http.put(`${R}/user`, { ...full, password: 'x' }, tok.b), 403, 'FORBIDDEN')
      expectError(await http.post(`${R}/user/${pat.user.id}/token`, {}, tok.b), 403, 'FORBIDDEN')
      expect(await loginStatus(pat.login, pat.password)).toBe(200)
    })

    it('manages a user holding roles by admins only, even for the professional that created it', async () => {
      const { user } = await createUser(http, tok.a)
      const stored = await readUser(http, tok.admin, user.id)
      const promoted = await http.put<UserDto>(`${R}/user`, { ...stored, roles: ['ADMIN'] }, tok.admin)
      expect(promoted.status, promoted.text).toBe(200)
      expect(await readUser(http, tok.a, user.id)).toEqual({ id: user.id, status: 'ACTIVE' })
      expectError(await http.post(`${R}/user/${user.id}/token`, {}, tok.a), 403, 'FORBIDDEN')
      expectError(
        await http.put(`${R}/user`, { ...promoted.body, password: 'x' }, tok.a),
        403,
        'FORBIDDEN',
        /may not modify user/,
      )
    })

    it('lets only admins set or change roles', async () => {
      expectError(
        await http.post(
          `${R}/user`,
          { id: crypto.randomUUID(), login: 'r@example.org', roles: ['ADMIN'] },
          tok.a,
        ),
        403,
        'FORBIDDEN',
        'Only admins may set roles',
      )
      const { user } = await createUser(http, tok.a)
      const current = await readUser(http, tok.a, user.id)
      expectError(
        await http.put(`${R}/user`, { ...current, roles: ['ADMIN'] }, tok.a),
        403,
        'FORBIDDEN',
        'Only admins may change roles',
      )
      expect((await readUser(http, tok.admin, user.id)).roles).toEqual([])
    })

    it("never lets a manager change a user's automatic sharing (re-sending it in another order is no change)", async () => {
      const sharing = { medicalInformation: [hcpA.dataOwnerId, pat.dataOwnerId] }
      const { user } = await createUser(http, tok.admin, { sharingDataWith: sharing })
      const stored = await readUser(http, tok.admin, user.id)
      // An admin made it; alice manages it as the responsible professional of the device it acts as.
      const device = await http.post<{ id: string }>(`${R}/device`, { id: crypto.randomUUID() }, tok.a)
      const linked = await http.put<UserDto>(`${R}/user`, { ...stored, deviceId: device.body.id }, tok.admin)
      expect(linked.status, linked.text).toBe(200)
      const reordered = { medicalInformation: [pat.dataOwnerId, hcpA.dataOwnerId], all: [] }
      const renamed = await http.put<UserDto>(
        `${R}/user`,
        { ...linked.body, name: 'renamed by the responsible', sharingDataWith: reordered },
        tok.a,
      )
      expect(renamed.status, renamed.text).toBe(200)
      expect(renamed.body.sharingDataWith).toEqual(sharing)
      expectError(
        await http.put(
          `${R}/user`,
          { ...renamed.body, sharingDataWith: { medicalInformation: [hcpA.dataOwnerId] } },
          tok.a,
        ),
        403,
        'FORBIDDEN',
        `Only user ${user.id} itself or an admin may change its automatic sharing`,
      )
    })

    it('a password or email change (own or managed) needs a recent login; it keeps the current session and ends the others', async () => {
      const { body, user } = await createUser(http, tok.a, { email: `${crypto.randomUUID()}@example.org` })
      const longLived = (
        await http.post<{ token: string }>(`${R}/user/${user.id}/token`, { validity: 3600 }, tok.a)
      ).body.token
      const other = await loginToken(body.login, body.password)
      const mine = await loginToken(body.login, body.password)
      const me = await readUser(http, mine, user.id)

      // Right after the login: the change goes through.
      const changed = await http.put<UserDto>(`${R}/user`, { ...me, password: 'my own new one' }, mine)
      expect(changed.status, changed.text).toBe(200)
      expect(await tokenStatus(mine)).toBe(200)
      expect(await tokenStatus(other)).toBe(401)
      expect(await loginStatus(body.login, longLived)).toBe(401)
      expect(changed.body.authenticationTokens).toEqual({})

      // Ten minutes after the login, a stolen access token alone changes neither password nor email.
      await ageSessions(sql, user.id, 10)
      expect(await tokenStatus(mine)).toBe(200)
      for (const [change, what] of [
        [{ password: 'the thief' }, 'the password'],
        [{ email: 'thief@example.org' }, 'the email'],
      ] as const) {
        expectError(
          await http.put(`${R}/user`, { ...changed.body, ...change }, mine),
          403,
          'REAUTHENTICATION_REQUIRED',
          new RegExp(`Changing ${what} needs a recent login`),
        )
      }
      // Its profile it may still change. Its manager sets its password only within minutes of its own
      // login too: a manager's stolen token must not take over the accounts it manages.
      const renamed = await http.put<UserDto>(`${R}/user`, { ...changed.body, name: 'Renamed' }, mine)
      expect(renamed.status, renamed.text).toBe(200)
      await ageSessions(sql, hcpA.user.id!, 10)
      expectError(
        await http.put(`${R}/user`, { ...renamed.body, password: 'manager reset' }, tok.a),
        403,
        'REAUTHENTICATION_REQUIRED',
        new RegExp(`Changing the password of user ${user.id} needs a recent login`),
      )
      expectError(
        await http.post(`${R}/user/${user.id}/token`, { validity: 600 }, tok.a),
        403,
        'REAUTHENTICATION_REQUIRED',
      )
      tok.a = await loginToken(hcpA.login, hcpA.password)
      const reset = await http.put(`${R}/user`, { ...renamed.body, password: 'manager reset' }, tok.a)
      expect(reset.status, reset.text).toBe(200)
      expect(await loginStatus(body.login, 'manager reset')).toBe(200)
      expect(await tokenStatus(mine)).toBe(401)
    })

    it('lists and revokes long-lived tokens: by the user itself, its managers and admins', async () => {
      const { body, user } = await createUser(http, tok.a)
      const own = await loginToken(body.login, body.password)
      const created: string[] = []
      for (const token of [tok.a, own, tok.admin]) {
        const a = await http.post<{ token: string }>(`${R}/user/${user.id}/token`, { validity: 900 }, token)
        expect(a.status, a.text).toBe(200)
        created.push(a.body.token)
      }
      const listed = await http.get<TokenInfoDto[]>(`${R}/user/${user.id}/token`, own)
      expect(listed.status, listed.text).toBe(200)
      expect(listed.body.map((t) => t.tokenId).sort()).toEqual(created.map((t) => t.split('.')[0]).sort())
      for (const t of listed.body) {
        expect(Object.keys(t).sort()).toEqual(['creationTime', 'tokenId', 'validity'])
        expect(t.validity).toBe(900)
      }
      expect((await http.get<TokenInfoDto[]>(`${R}/user/${user.id}/token`, tok.admin)).status).toBe(200)

      // Revoking a token ends the sessions opened with it, and only those.
      const [first, second] = created
      const viaToken = await loginToken(body.login, first)
      const viaSecond = await loginToken(body.login, second)
      const left = await http.call<TokenInfoDto[]>(
        'DELETE',
        `${R}/user/${user.id}/token/${first.split('.')[0]}`,
        {
          token: tok.a,
        },
      )
      expect(left.status, left.text).toBe(200)
      expect(left.body).toHaveLength(2)
      expect(await tokenStatus(viaToken)).toBe(401)
      expect(await tokenStatus(viaSecond)).toBe(200)
      expect(await tokenStatus(own)).toBe(200)
      expect(await loginStatus(body.login, first)).toBe(401)
      expect(Object.keys((await readUser(http, own, user.id)).authenticationTokens)).toHaveLength(2)
      const ownRevoke = await http.call('DELETE', `${R}/user/${user.id}/token/${second.split('.')[0]}`, {
        token: own,
      })
      expect(ownRevoke.status, ownRevoke.text).toBe(200)
      expect(await tokenStatus(viaSecond)).toBe(401)

      // Unknown token: 404; another professional: 403; a patient: the 404 of an unknown user.
      const unknown = crypto.randomUUID()
      expectError(
        await http.call('DELETE', `${R}/user/${user.id}/token/${unknown}`, { token: tok.a }),
        404,
        'NOT_FOUND',
        `Token ${unknown} of user ${user.id} does not exist`,
      )
      const third = created[2].split('.')[0]
      expectError(
        await http.call('DELETE', `${R}/user/${user.id}/token/${third}`, { token: tok.b }),
        403,
        'FORBIDDEN',
      )
      expectError(
        await http.call('DELETE', `${R}/user/${user.id}/token/${third}`, { token: tok.p }),
        404,
        'NOT_FOUND',
      )
      expect(await loginStatus(body.login, created[2])).toBe(200)
    })
  })
}
