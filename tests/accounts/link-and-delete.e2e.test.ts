import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DataOwnerDocDto, PaginatedListDto, UserDto } from '@cairn/protocol'
import { BACKENDS } from '../support/backends.ts'
import { disposeServer, startServer, type ServerProcess } from '../support/server-process.ts'
import { newHcp, newPatient, type Actor } from '../support/actors.ts'
import { client, expectError, uuid, type Client } from '../access/http.ts'
import { ageSessions, createUser, newUser, rawSql, readUser, type RawSql } from './accounts-support.ts'

/**
 * One user per data owner, and who may link a user to a data owner (docs/access.md): only the
 * professional that created the data owner's record (a device: its responsible professional) or an
 * admin, only while the data owner has no user and the user no data owner. Also: deletion leaves a
 * tombstone and frees the data owner, sharing lists name existing data owners, professional and
 * device records are modified by themselves, their creator or responsible, and admins, and a
 * professional and its user can be created in one transaction.
 */
const R = '/rest/v1'
const PARALLEL = 8

for (const backend of BACKENDS) {
  describe.skipIf(!backend.enabled)(`linking users to data owners, deleting users (${backend.name})`, () => {
    let server: ServerProcess
    let http: Client
    let sql: RawSql
    let hcpA: Actor
    let hcpB: Actor
    let pat: Actor
    const tok = { admin: '', a: '', b: '', p: '' }

    /** A new record of `path` (hcparty, device) created with `token`. */
    const newRecord = async (
      path: 'hcparty' | 'device',
      token: string,
      extra: Record<string, unknown> = {},
    ) => {
      const a = await http.post<DataOwnerDocDto>(
        `${R}/${path}`,
        { id: uuid(), name: 'record', ...extra },
        token,
      )
      expect(a.status, a.text).toBe(200)
      return a.body
    }
    const loginStatus = async (username: string, password: string) =>
      (await http.post(`${R}/auth/login`, { username, password })).status

    beforeAll(async () => {
      server = await startServer({ databaseUrl: backend.databaseUrl })
      http = client(server.url)
      sql = await rawSql(server)
      ;[hcpA, hcpB] = await Promise.all([newHcp(server, 'linker-a'), newHcp(server, 'linker-b')])
      pat = await newPatient(server, hcpA, 'Linked')
      tok.admin = (await http.login(server.adminLogin, server.adminPassword)).token
      tok.a = (await http.login(hcpA.login, hcpA.password)).token
      tok.b = (await http.login(hcpB.login, hcpB.password)).token
      tok.p = (await http.login(pat.login, pat.password)).token
    })
    afterAll(async () => {
      await sql?.close()
      await disposeServer(server)
    })

    it(`creates exactly one user out of ${PARALLEL} parallel requests for one data owner (unique index)`, async () => {
      for (const [path, field] of [
        ['device', 'deviceId'],
        ['hcparty', 'healthcarePartyId'],
      ] as const) {
        const record = await newRecord(path, tok.a)
        const answers = await Promise.all(
          Array.from({ length: PARALLEL }, () =>
            http.post<UserDto>(`${R}/user`, newUser({ [field]: record.id }), tok.a),
          ),
        )
        const statuses = answers.map((a) => a.status)
        expect(
          statuses.filter((s) => s === 200),
          answers.map((a) => a.text).join('\n'),
        ).toHaveLength(1)
        for (const a of answers.filter((x) => x.status !== 200))
          expectError(a, 409, 'CONFLICT', `Data owner ${record.id} already has a user`)
        const rows = await sql.query<{ id: string }>('select id from users where data_owner_id = ?', [
          record.id,
        ])
        expect(rows.map((r) => r.id)).toEqual([answers.find((a) => a.status === 200)!.body.id])
      }
      // Admins too get the 409: no second user for a data owner that has one.
      expectError(
        await http.post(`${R}/user`, newUser({ healthcarePartyId: hcpB.dataOwnerId }), tok.admin),
        409,
        'CONFLICT',
        `Data owner ${hcpB.dataOwnerId} already has a user`,
      )
    })

    it('lets only the creator of a record (a device: its responsible professional) or an admin link a user to it', async () => {
      const device = await newRecord('device', tok.a)
      const colleague = await newRecord('hcparty', tok.a)
      for (const [field, id, kind] of [
        ['deviceId', device.id, 'medical device'],
        ['healthcarePartyId', colleague.id, 'healthcare professional'],
      ] as const) {
        expectError(
          await http.post(`${R}/user`, newUser({ [field]: id }), tok.b),
          403,
          'FORBIDDEN',
          new RegExp(`may not link a user to ${kind} ${id}`),
        )
      }
      // A patient bob cannot read is, to him, a patient that does not exist; one shared with him is not his.
      expectError(
        await http.post(`${R}/user`, newUser({ patientId: pat.dataOwnerId }), tok.b),
        400,
        'BAD_REQUEST',
        `Data owner ${pat.dataOwnerId} does not exist`,
      )
      const record = await hcpA.api.patientApi.createOrModifyPatient(
        new (await import('@cairn/sdk')).Patient({ firstName: 'Shared', lastName: 'NoUser' }),
      )
      await hcpA.api.patientApi.giveAccessTo(record, hcpB.dataOwnerId)
      expectError(await http.post(`${R}/user`, newUser({ patientId: record.id }), tok.b), 403, 'FORBIDDEN')
      // Nothing was created by the refusals: the rightful creators still can.
      const forDevice = await http.post<UserDto>(`${R}/user`, newUser({ deviceId: device.id }), tok.a)
      expect(forDevice.status, forDevice.text).toBe(200)
      const forPatient = await http.post(`${R}/user`, newUser({ patientId: record.id }), tok.a)
      expect(forPatient.status, forPatient.text).toBe(200)
      const byAdmin = await http.post(`${R}/user`, newUser({ healthcarePartyId: colleague.id }), tok.admin)
      expect(byAdmin.status, byAdmin.text).toBe(200)
    })

    it('links a user without data owner once, by PUT, and never changes or removes the link (not even an admin)', async () => {
      const device = await newRecord('device', tok.a)
      const { body, user } = await createUser(http, tok.a)
      const linked = await http.put<UserDto>(`${R}/user`, { ...user, deviceId: device.id }, tok.a)
      expect(linked.status, linked.text).toBe(200)
      expect(linked.body.deviceId).toBe(device.id)
      // The user now acts as the device.
      const session = await http.login(body.login, body.password)
      expect((await http.get<{ type: string }>(`${R}/dataowner/current`, session.token)).body.type).toBe(
        'MedicalDevice',
      )
      const other = await newRecord('device', tok.a)
      for (const token of [tok.a, tok.admin]) {
        for (const change of [{ deviceId: other.id }, { deviceId: undefined }]) {
          expectError(
            await http.put(`${R}/user`, { ...linked.body, ...change }, token),
            403,
            'FORBIDDEN',
            /the data owner of a user never changes/,
          )
        }
      }
      expect((await readUser(http, tok.admin, user.id)).deviceId).toBe(device.id)
      // An unlinked user of bob's cannot be linked to alice's device by bob.
      const bobs = await createUser(http, tok.b)
      expectError(await http.put(`${R}/user`, { ...bobs.user, deviceId: other.id }, tok.b), 403, 'FORBIDDEN')
    })

    it('deletes a user: a tombstone, gone from reads, filters and login, its data owner free for a new user', async () => {
      const device = await newRecord('device', tok.a)
      const { body, user } = await createUser(http, tok.a, {
        deviceId: device.id,
        email: `${uuid()}@example.org`,
      })
      const session = await http.login(body.login, body.password)
      const token = (await http.post<{ token: string }>(`${R}/user/${user.id}/token`, {}, tok.a)).body.token

      expectError(await http.call('DELETE', `${R}/user/${user.id}`, { token: tok.b }), 403, 'FORBIDDEN')
      expectError(
        await http.call('DELETE', `${R}/user/${user.id}`, { token: session.token }),
        403,
        'FORBIDDEN',
      )
      const deleted = await http.call<{ id: string; rev: string }>('DELETE', `${R}/user/${user.id}`, {
        token: tok.a,
      })
      expect(deleted.status, deleted.text).toBe(200)
      expect(deleted.body).toEqual({ id: user.id, rev: expect.stringMatching(/^3-/) as unknown })

      for (const t of [tok.a, tok.admin])
        expectError(
          await http.get(`${R}/user/${user.id}`, t),
          404,
          'NOT_FOUND',
          `User ${user.id} does not exist`,
        )
      expectError(await http.call('DELETE', `${R}/user/${user.id}`, { token: tok.a }), 404, 'NOT_FOUND')
      expect((await http.get(`${R}/user/current`, session.token)).status).toBe(401)
      for (const secret of [body.password, token]) expect(await loginStatus(body.login, secret)).toBe(401)
      expect(await loginStatus(`DELETED:${user.id}`, body.password)).toBe(401)
      const page = await http.post<PaginatedListDto<UserDto>>(
        `${R}/user/filter`,
        { filter: { $type: 'UserByIdsFilter', ids: [user.id] } },
        tok.admin,
      )
      expect(page.body).toMatchObject({ totalSize: 0, rows: [] })
      expectError(
        await http.get(`${R}/user/byEmail/${encodeURIComponent(body.email as string)}`, tok.a),
        404,
        'NOT_FOUND',
      )

      // The tombstone keeps no identifier, password or data owner.
      const [row] = await sql.query<Record<string, unknown>>(
        'select login, email, mobile_phone, data_owner_id, password_hash, deletion_date, doc from users where id = ?',
        [user.id],
      )
      expect(row).toMatchObject({ email: null, mobile_phone: null, data_owner_id: null, password_hash: null })
      expect(row.login).toBe(`DELETED:${user.id}`)
      expect(Number(row.deletion_date)).toBeGreaterThan(0)
      expect(JSON.parse(row.doc as string)).not.toHaveProperty('login')
      expect(await sql.query('select token_id from user_tokens where user_id = ?', [user.id])).toEqual([])

      // The device gets a new user, and the old login is free again.
      const again = await http.post<UserDto>(
        `${R}/user`,
        { ...newUser({ deviceId: device.id }), login: body.login },
        tok.a,
      )
      expect(again.status, again.text).toBe(200)
    })

    it('a stale session can neither delete a managed user nor give a data owner a new user (no takeover by a stolen token)', async () => {
      const device = await newRecord('device', tok.a)
      const { user } = await createUser(http, tok.a, { deviceId: device.id })
      const freeDevice = await newRecord('device', tok.a)
      const unlinked = (await createUser(http, tok.a, {})).user
      await ageSessions(sql, hcpA.user.id!, 10)
      expectError(
        await http.call('DELETE', `${R}/user/${user.id}`, { token: tok.a }),
        403,
        'REAUTHENTICATION_REQUIRED',
        new RegExp(`Deleting user ${user.id} needs a recent login`),
      )
      expectError(
        await http.post(`${R}/user`, newUser({ deviceId: freeDevice.id }), tok.a),
        403,
        'REAUTHENTICATION_REQUIRED',
        /Creating a user for data owner .* needs a recent login/,
      )
      const stored = await readUser(http, tok.a, unlinked.id)
      expectError(
        await http.put(`${R}/user`, { ...stored, deviceId: freeDevice.id }, tok.a),
        403,
        'REAUTHENTICATION_REQUIRED',
        /Linking user .* needs a recent login/,
      )
      expectError(
        await http.post(
          `${R}/hcparty/withUser`,
          { healthcareProfessional: { id: uuid(), name: 'x' }, user: newUser() },
          tok.a,
        ),
        403,
        'REAUTHENTICATION_REQUIRED',
      )
      // Nothing changed; a fresh login does all of it.
      expect((await http.get(`${R}/user/${user.id}`, tok.admin)).status).toBe(200)
      tok.a = (await http.login(hcpA.login, hcpA.password)).token
      expect((await http.call('DELETE', `${R}/user/${user.id}`, { token: tok.a })).status).toBe(200)
      expect((await http.post(`${R}/user`, newUser({ deviceId: device.id }), tok.a)).status).toBe(200)
    })

    it('refuses sharing lists naming a data owner that does not exist (400 naming it); known ids pass', async () => {
      const me = (await http.get<UserDto>(`${R}/user/current`, tok.a)).body
      const ghost = uuid()
      expectError(
        await http.put(
          `${R}/user`,
          { ...me, sharingDataWith: { medicalInformation: [hcpB.dataOwnerId, ghost] } },
          tok.a,
        ),
        400,
        'BAD_REQUEST',
        `Data owner ${ghost} does not exist`,
      )
      expectError(
        await http.post(`${R}/user`, newUser({ sharingDataWith: { all: [ghost] } }), tok.a),
        400,
        'BAD_REQUEST',
        `Data owner ${ghost} does not exist`,
      )
      expect((await http.get<UserDto>(`${R}/user/current`, tok.a)).body).toEqual(me)
      const shared = await http.put<UserDto>(
        `${R}/user`,
        { ...me, sharingDataWith: { medicalInformation: [hcpB.dataOwnerId, pat.dataOwnerId] } },
        tok.a,
      )
      expect(shared.status, shared.text).toBe(200)
    })

    it('lets only itself, its creator or responsible, and admins modify a professional or device record', async () => {
      const colleague = await newRecord('hcparty', tok.a, { firstName: 'Greg' })
      const device = await newRecord('device', tok.a, { name: 'scale', responsible: hcpB.dataOwnerId })
      // The server sets author and responsible; a client cannot name someone else.
      expect(device).toMatchObject({ author: hcpA.user.id, responsible: hcpA.dataOwnerId })
      for (const [path, record] of [
        ['hcparty', colleague],
        ['device', device],
      ] as const) {
        expectError(
          await http.put(`${R}/${path}`, { ...record, name: 'rewritten by bob' }, tok.b),
          403,
          'FORBIDDEN',
          /may not modify/,
        )
        const ok = await http.put<DataOwnerDocDto>(
          `${R}/${path}`,
          { ...record, name: 'by its creator' },
          tok.a,
        )
        expect(ok.status, ok.text).toBe(200)
        expectError(
          await http.put(`${R}/${path}`, { ...ok.body, responsible: hcpB.dataOwnerId }, tok.a),
          403,
          'FORBIDDEN',
          /Only admins may change the responsible professional/,
        )
      }
      // alice's own record (made by the CLI as admin): bob may not rewrite it.
      const alice = (await http.get<DataOwnerDocDto>(`${R}/hcparty/${hcpA.dataOwnerId}`, tok.b)).body
      expectError(await http.put(`${R}/hcparty`, { ...alice, lastName: 'Bobbed' }, tok.b), 403, 'FORBIDDEN')
      expect((await http.get(`${R}/hcparty/${hcpA.dataOwnerId}`, tok.a)).body).toEqual(alice)
      // An admin may name a responsible professional, only an existing one.
      expectError(
        await http.post(`${R}/device`, { id: uuid(), responsible: uuid() }, tok.admin),
        400,
        'BAD_REQUEST',
        /is not a healthcare professional/,
      )
      const assigned = await newRecord('device', tok.admin, { responsible: hcpB.dataOwnerId })
      expect(assigned.responsible).toBe(hcpB.dataOwnerId)
    })

    it('creates a professional and its user in one transaction: both, or neither', async () => {
      const hcpId = uuid()
      const user = newUser()
      const created = await http.post<{ healthcareProfessional: DataOwnerDocDto; user: UserDto }>(
        `${R}/hcparty/withUser`,
        { healthcareProfessional: { id: hcpId, firstName: 'Both', lastName: 'Or Neither' }, user },
        tok.admin,
      )
      expect(created.status, created.text).toBe(200)
      expect(created.body.user).toMatchObject({ id: user.id, healthcarePartyId: hcpId, login: user.login })
      expect(created.body.healthcareProfessional).toMatchObject({ id: hcpId, lastName: 'Or Neither' })
      expect(await loginStatus(user.login, user.password)).toBe(200)

      // A taken login: no professional record is left behind.
      const orphan = uuid()
      expectError(
        await http.post(
          `${R}/hcparty/withUser`,
          {
            healthcareProfessional: { id: orphan, firstName: 'Orphan' },
            user: newUser({ login: user.login }),
          },
          tok.a,
        ),
        409,
        'CONFLICT',
        /login, email or phone already exists/,
      )
      expectError(await http.get(`${R}/hcparty/${orphan}`, tok.a), 404, 'NOT_FOUND')
      // A taken data-owner id (the patient's): no user is left behind.
      const stray = newUser()
      expectError(
        await http.post(
          `${R}/hcparty/withUser`,
          { healthcareProfessional: { id: pat.dataOwnerId, firstName: 'Squatter' }, user: stray },
          tok.a,
        ),
        409,
        'CONFLICT',
        `Data owner ${pat.dataOwnerId} already exists`,
      )
      expect(await sql.query('select id from users where id = ?', [stray.id])).toEqual([])
      // A professional caller manages what it made this way; patients may not use the route.
      const byHcp = await http.post<{ user: UserDto }>(
        `${R}/hcparty/withUser`,
        { healthcareProfessional: { id: uuid(), firstName: 'Made by A' }, user: newUser() },
        tok.a,
      )
      expect(byHcp.status, byHcp.text).toBe(200)
      expect((await http.post(`${R}/user/${byHcp.body.user.id}/token`, {}, tok.a)).status).toBe(200)
      expectError(
        await http.post(
          `${R}/hcparty/withUser`,
          { healthcareProfessional: { id: uuid(), firstName: 'x' }, user: newUser() },
          tok.p,
        ),
        403,
        'FORBIDDEN',
      )
      expectError(
        await http.post(
          `${R}/hcparty/withUser`,
          {
            healthcareProfessional: { id: uuid(), firstName: 'x' },
            user: newUser({ healthcarePartyId: uuid() }),
          },
          tok.a,
        ),
        400,
        'BAD_REQUEST',
        /must be the id of the new professional/,
      )
    })
  })
}
