import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PaginatedListDto, UserDto } from '@cairn/protocol'
import { BACKENDS } from '../support/backends.ts'
import { disposeServer, startServer, type ServerProcess } from '../support/server-process.ts'
import { newHcp, newPatient, type Actor } from '../support/actors.ts'
import { client, expectError, uuid, type Answer, type Client } from '../access/http.ts'
import { createUser, readUser } from './accounts-support.ts'

/**
 * Who sees what of a user (docs/access.md): the user itself, its managers and admins see every field
 * but hashes; other professionals the directory fields; patients and devices only themselves. What
 * a caller may not see at all answers exactly as an unknown id. The same rule holds for
 * `GET /user/byEmail` and for the filter and match routes, paging and counts included.
 */
const R = '/rest/v1'
const DIRECTORY_KEYS = ['healthcarePartyId', 'id', 'name', 'patientId', 'status', 'deviceId']

for (const backend of BACKENDS) {
  describe.skipIf(!backend.enabled)(`reading and finding users (${backend.name})`, () => {
    let server: ServerProcess
    let http: Client
    let hcpA: Actor
    let hcpB: Actor
    let pat: Actor
    const tok = { admin: '', a: '', b: '', p: '' }
    /** Users hcpA created for the filter tests, by id. */
    let mine: UserDto[]

    const filter = (token: string, f: unknown, query = '') =>
      http.post<PaginatedListDto<UserDto>>(`${R}/user/filter${query}`, { filter: f }, token)
    const byIds = (ids: string[]) => ({ $type: 'UserByIdsFilter', ids })

    beforeAll(async () => {
      server = await startServer({ databaseUrl: backend.databaseUrl })
      http = client(server.url)
      ;[hcpA, hcpB] = await Promise.all([newHcp(server, 'reader-a'), newHcp(server, 'reader-b')])
      pat = await newPatient(server, hcpA, 'Listed')
      tok.admin = (await http.login(server.adminLogin, server.adminPassword)).token
      tok.a = (await http.login(hcpA.login, hcpA.password)).token
      tok.b = (await http.login(hcpB.login, hcpB.password)).token
      tok.p = (await http.login(pat.login, pat.password)).token
      mine = []
      for (let i = 0; i < 5; i++) {
        const email = `${uuid()}@example.org`
        mine.push(
          (await createUser(http, tok.a, { name: `Listed ${i}`, email, mobilePhone: `+3247${i}000000` }))
            .user,
        )
      }
      mine.sort((x, y) => (x.id < y.id ? -1 : 1))
    })
    afterAll(() => disposeServer(server))

    it('shows every field to the user itself, its manager and admins, never a hash', async () => {
      const user = mine[0]
      for (const token of [tok.a, tok.admin]) {
        const seen = await readUser(http, token, user.id)
        expect(seen).toEqual(user)
        expect(JSON.stringify(seen)).not.toMatch(/passwordHash|password|scrypt/)
      }
      const own = await http.get<UserDto>(`${R}/user/current`, tok.p)
      expect(own.body).toMatchObject({ login: pat.login, patientId: pat.dataOwnerId })
    })

    it('shows other professionals only the directory fields', async () => {
      const seen = await readUser(http, tok.b, mine[0].id)
      expect(seen).toEqual({ id: mine[0].id, name: mine[0].name, status: 'ACTIVE' })
      const patientUser = await readUser(http, tok.b, pat.user.id!)
      expect(patientUser).toEqual({ id: pat.user.id, patientId: pat.dataOwnerId, status: 'ACTIVE' })
      // The admin's own user too: no login, roles or tokens.
      const admin = (await http.get<UserDto>(`${R}/user/current`, tok.admin)).body
      expect(
        Object.keys(await readUser(http, tok.b, admin.id)).every((k) => DIRECTORY_KEYS.includes(k)),
      ).toBe(true)
    })

    it('answers a user a patient may not see exactly as an unknown id (no existence oracle)', async () => {
      const unknown = uuid()
      const hidden = await http.get(`${R}/user/${hcpA.user.id}`, tok.p)
      const missing = await http.get(`${R}/user/${unknown}`, tok.p)
      expectError(hidden, 404, 'NOT_FOUND', `User ${hcpA.user.id} does not exist`)
      expectError(missing, 404, 'NOT_FOUND', `User ${unknown} does not exist`)
      const body = (a: Answer) => a.text.replace(hcpA.user.id!, 'ID').replace(unknown, 'ID')
      expect(body(hidden)).toBe(body(missing))
      // Modifying answers the same.
      const full = await readUser(http, tok.a, hcpA.user.id!)
      expectError(await http.put(`${R}/user`, { ...full, name: 'x' }, tok.p), 404, 'NOT_FOUND')
      expectError(await http.put(`${R}/user`, { ...full, id: unknown, name: 'x' }, tok.p), 404, 'NOT_FOUND')
    })

    it('finds a user by email only for those who may see its contact details', async () => {
      const email = mine[1].email!
      for (const token of [tok.a, tok.admin]) {
        const a = await http.get<UserDto>(
          `${R}/user/byEmail/${encodeURIComponent(email.toUpperCase())}`,
          token,
        )
        expect(a.status, a.text).toBe(200)
        expect(a.body).toEqual(mine[1])
      }
      for (const token of [tok.b, tok.p]) {
        expectError(
          await http.get(`${R}/user/byEmail/${encodeURIComponent(email)}`, token),
          404,
          'NOT_FOUND',
          `No user has the email ${email}`,
        )
      }
      expectError(await http.get(`${R}/user/byEmail/nobody%40example.org`, tok.a), 404, 'NOT_FOUND')
    })

    it('pages users by id with a real totalSize, each row as the caller may see it', async () => {
      const ids = mine.map((u) => u.id)
      const seen: UserDto[] = []
      let start: string | undefined
      for (let page = 0; page < 3; page++) {
        const q = `?limit=2${start ? `&startDocumentId=${start}` : ''}`
        const a = await filter(tok.a, byIds([...ids].reverse()), q)
        expect(a.status, a.text).toBe(200)
        expect(a.body.totalSize).toBe(5)
        expect(a.body.pageSize).toBe(a.body.rows.length)
        seen.push(...a.body.rows)
        start = a.body.nextKeyPair.startKeyDocId
        if (page < 2) expect(start).toBe(ids[(page + 1) * 2])
      }
      expect(start).toBeUndefined()
      expect(seen).toEqual(mine)

      // Another professional: the same users, directory fields only.
      const other = await filter(tok.b, byIds(ids))
      expect(other.body.totalSize).toBe(5)
      expect(other.body.rows).toEqual(mine.map((u) => ({ id: u.id, name: u.name, status: 'ACTIVE' })))
      const match = await http.post<string[]>(`${R}/user/match`, { filter: byIds(ids) }, tok.b)
      expect(match.body).toEqual(ids)
    })

    it('shows a patient only itself, whatever the filter (rows and totalSize)', async () => {
      const all = await filter(tok.p, { $type: 'AllUsersFilter' })
      expect(all.status, all.text).toBe(200)
      expect(all.body.totalSize).toBe(1)
      expect(all.body.rows.map((u) => u.id)).toEqual([pat.user.id])
      const others = await filter(tok.p, byIds([mine[0].id, hcpA.user.id!]))
      expect(others.body).toMatchObject({ totalSize: 0, rows: [] })
      expect(
        (await http.post<string[]>(`${R}/user/match`, { filter: byIds([mine[0].id]) }, tok.p)).body,
      ).toEqual([])
      // Every user for an admin: at least the ones made here.
      const admin = await http.post<string[]>(
        `${R}/user/match`,
        { filter: { $type: 'AllUsersFilter' } },
        tok.admin,
      )
      expect(admin.body).toEqual(expect.arrayContaining([...mine.map((u) => u.id), pat.user.id]))
    })

    it("finds a patient's user by patient id (directory fields for a professional that is not its manager)", async () => {
      const f = { $type: 'UsersByPatientIdFilter', patientId: pat.dataOwnerId }
      const a = await filter(tok.b, f)
      expect(a.body).toMatchObject({ totalSize: 1, rows: [{ id: pat.user.id, patientId: pat.dataOwnerId }] })
      expect(a.body.rows[0]).not.toHaveProperty('login')
      expect((await filter(tok.a, f)).body.rows[0]).toMatchObject({ login: pat.login })
      // A professional's id is no patient id; an intersection with other ids finds nothing.
      expect((await filter(tok.a, { ...f, patientId: hcpB.dataOwnerId })).body.totalSize).toBe(0)
      const both = { $type: 'IntersectionFilter', filters: [f, byIds([pat.user.id!, mine[0].id])] }
      expect((await filter(tok.a, both)).body.rows.map((u) => u.id)).toEqual([pat.user.id])
      const disjoint = { $type: 'IntersectionFilter', filters: [f, byIds([mine[0].id])] }
      expect((await filter(tok.a, disjoint)).body.totalSize).toBe(0)
    })

    it('refuses filters of other entities with 400', async () => {
      const a = await filter(tok.a, { $type: 'PatientByIdsFilter', ids: [pat.dataOwnerId] })
      expect(a.status, a.text).toBe(400)
    })
  })
}
