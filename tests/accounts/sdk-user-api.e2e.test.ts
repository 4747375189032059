import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  FilterComposition,
  HealthcareProfessional,
  NoOpFilter,
  PaginatedListUser,
  SdkError,
  User,
  UserFilter,
  type MedTechApi,
} from '@cairn/sdk'
import { BACKENDS } from '../support/backends.ts'
import { disposeServer, startServer, type ServerProcess } from '../support/server-process.ts'
import { login, newHcp, newPatient, type Actor } from '../support/actors.ts'
import { uniqueLogin } from './accounts-support.ts'

/**
 * The MedTech `userApi` methods over the SDK (getUser, getUserByEmail, deleteUser, filterUsers and
 * matchUsers with the UserFilter builder), and Cairn's extensions (getTokens, revokeToken,
 * createHealthcareProfessionalWithUser), against a real server on each backend.
 */
for (const backend of BACKENDS) {
  describe.skipIf(!backend.enabled)(`userApi over the SDK (${backend.name})`, () => {
    let server: ServerProcess
    let hcpA: Actor
    let hcpB: Actor
    let pat: Actor
    /** Users hcpA created through the SDK, sorted by id. */
    let users: User[]

    beforeAll(async () => {
      server = await startServer({ databaseUrl: backend.databaseUrl })
      ;[hcpA, hcpB] = await Promise.all([newHcp(server, 'sdk-a'), newHcp(server, 'sdk-b')])
      pat = await newPatient(server, hcpA, 'Sdk')
      users = []
      for (let i = 0; i < 3; i++) {
        const email = uniqueLogin('sdk')
        users.push(
          await hcpA.api.userApi.createOrModifyUser(
            new User({ name: `SDK ${i}`, login: email, email, passwordHash: `pw-${i}-${email}` }),
          ),
        )
      }
      users.sort((x, y) => (x.id! < y.id! ? -1 : 1))
    })
    afterAll(() => disposeServer(server))

    it('getUser: every field for the manager, the directory fields for another professional', async () => {
      const full = await hcpA.api.userApi.getUser(users[0].id!)
      expect(full).toBeInstanceOf(User)
      expect(full.email).toBe(users[0].email)
      const directory = await hcpB.api.userApi.getUser(users[0].id!)
      expect(directory).toBeInstanceOf(User)
      expect(directory).toMatchObject({ id: users[0].id, name: users[0].name })
      expect(directory.login).toBeUndefined()
      expect(directory.email).toBeUndefined()
      expect(directory.roles.size).toBe(0)
      await expect(pat.api.userApi.getUser(users[0].id!)).rejects.toMatchObject({
        status: 404,
        code: 'NOT_FOUND',
      })
    })

    it('getUserByEmail validates the email first (MedTech message), then finds it for those who may see it', async () => {
      const error = await hcpA.api.userApi.getUserByEmail('not an email').catch((e: unknown) => e)
      expect(error).toBeInstanceOf(SdkError)
      expect(error).toMatchObject({ code: 'BAD_REQUEST', status: 0 })
      expect((error as SdkError).message).toBe(
        'Invalid email address. Provided email must satisfy the format RFC5322 : local-part@domain.extension',
      )
      const found = await hcpA.api.userApi.getUserByEmail(users[1].email!)
      expect(found.id).toBe(users[1].id)
      await expect(hcpB.api.userApi.getUserByEmail(users[1].email!)).rejects.toThrow(
        /^404 - No user has the email/,
      )
    })

    it('filterUsers pages with UserFilter, nextKeyPair.startKeyDocId and limit; matchUsers lists ids', async () => {
      const ids = users.map((u) => u.id!)
      const filter = await new UserFilter(hcpA.api).byIds(ids).build()
      expect(filter).toEqual({ $type: 'UserByIdsFilter', ids })
      const first = await hcpA.api.userApi.filterUsers(filter, undefined, 2)
      expect(first).toBeInstanceOf(PaginatedListUser)
      expect(first.totalSize).toBe(3)
      expect(first.rows.map((u) => u.id)).toEqual(ids.slice(0, 2))
      expect(first.rows[0]).toBeInstanceOf(User)
      expect(first.nextKeyPair?.startKeyDocId).toBe(ids[2])
      const second = await hcpA.api.userApi.filterUsers(filter, first.nextKeyPair!.startKeyDocId, 2)
      expect(second.rows.map((u) => u.id)).toEqual([ids[2]])
      expect(second.nextKeyPair).toBeDefined()
      expect(second.nextKeyPair!.startKeyDocId).toBeUndefined()
      expect(await hcpB.api.userApi.matchUsers(filter)).toEqual(ids)
      // The patient sees itself only.
      expect(await pat.api.userApi.matchUsers(await new UserFilter(pat.api).build())).toEqual([pat.user.id])
    })

    it('UserFilter combines criteria as MedTech does; a NoOp filter answers without a request', async () => {
      const byPatient = await new UserFilter(hcpB.api).byPatientId(pat.dataOwnerId).build()
      expect(byPatient).toEqual({ $type: 'UsersByPatientIdFilter', patientId: pat.dataOwnerId })
      const page = await hcpB.api.userApi.filterUsers(byPatient)
      expect(page.rows.map((u) => [u.id, u.patientId])).toEqual([[pat.user.id, pat.dataOwnerId]])
      const both = await new UserFilter(hcpA.api)
        .byPatientId(pat.dataOwnerId)
        .byIds([pat.user.id!, users[0].id!])
        .build()
      expect(both.$type).toBe('IntersectionFilter')
      expect(await hcpA.api.userApi.matchUsers(both)).toEqual([pat.user.id])
      const none = await new UserFilter(hcpA.api).byIds([users[0].id!]).byIds([users[1].id!]).build()
      expect(NoOpFilter.isNoOp(none)).toBe(true)
      const empty = await hcpA.api.userApi.filterUsers(none)
      expect(empty).toMatchObject({ pageSize: 0, totalSize: 0, rows: [] })
      expect(empty.nextKeyPair).toBeUndefined()
      expect(await hcpA.api.userApi.matchUsers(none)).toEqual([])
      await expect(hcpA.api.userApi.filterUsers({ $type: 'PatientByIdsFilter' })).rejects.toThrow(
        'No mapper for PatientByIdsFilter',
      )
      // Unions and complements of user filters, within what the caller may see.
      const union = FilterComposition.union(
        byPatient,
        await new UserFilter(hcpA.api).byIds([users[0].id!]).build(),
      )
      expect([...(await hcpA.api.userApi.matchUsers(union))].sort()).toEqual(
        [pat.user.id, users[0].id].sort(),
      )
      const allButPatient = {
        $type: 'ComplementFilter',
        superSet: await new UserFilter(hcpA.api).byIds(users.map((u) => u.id!).concat(pat.user.id!)).build(),
        subSet: byPatient,
      }
      expect(await hcpA.api.userApi.matchUsers(allButPatient as never)).toEqual(users.map((u) => u.id))
      // A patient still sees only itself, whatever the composition.
      expect(await pat.api.userApi.matchUsers(union)).toEqual([pat.user.id])
      // A professional's id in UsersByPatientIdFilter finds nobody, also inside a union.
      const byProfessional = await new UserFilter(hcpA.api).byPatientId(hcpA.dataOwnerId).build()
      expect(await hcpA.api.userApi.matchUsers(FilterComposition.union(byProfessional))).toEqual([])
    })

    it('getTokens and revokeToken manage long-lived tokens', async () => {
      const user = users[2]
      const token = await hcpA.api.userApi.createToken(user.id!, 600)
      const tokens = await hcpA.api.userApi.getTokens(user.id!)
      expect(tokens).toEqual([
        { tokenId: token.split('.')[0], creationTime: expect.any(Number) as unknown, validity: 600 },
      ])
      const viaToken = await login(server, user.login!, token)
      expect((await viaToken.userApi.getLoggedUser()).id).toBe(user.id)
      await hcpA.api.userApi.revokeToken(user.id!, tokens[0].tokenId)
      expect(await hcpA.api.userApi.getTokens(user.id!)).toEqual([])
      await expect(login(server, user.login!, token)).rejects.toThrow(/^401/)
      await expect(hcpB.api.userApi.getTokens(user.id!)).rejects.toMatchObject({ status: 403 })
    })

    it('deleteUser answers the rev of the deletion; the user is gone', async () => {
      const victim = await hcpA.api.userApi.createOrModifyUser(new User({ login: uniqueLogin('gone') }))
      await expect(hcpB.api.userApi.deleteUser(victim.id!)).rejects.toMatchObject({ status: 403 })
      const rev = await hcpA.api.userApi.deleteUser(victim.id!)
      expect(rev).toMatch(/^2-/)
      await expect(hcpA.api.userApi.getUser(victim.id!)).rejects.toThrow(
        `404 - User ${victim.id} does not exist`,
      )
    })

    it('createHealthcareProfessionalWithUser creates both in one request; the new professional logs in', async () => {
      const loginName = uniqueLogin('colleague')
      const { healthcareProfessional, user } = await hcpA.api.userApi.createHealthcareProfessionalWithUser(
        new HealthcareProfessional({ firstName: 'Meredith', lastName: 'Grey' }),
        new User({ login: loginName, passwordHash: 'seattle grace' }),
      )
      expect(healthcareProfessional).toBeInstanceOf(HealthcareProfessional)
      expect(healthcareProfessional.names[0]).toMatchObject({ lastName: 'Grey', use: 'official' })
      expect(user.healthcarePartyId).toBe(healthcareProfessional.id)
      const api: MedTechApi = await login(server, loginName, 'seattle grace')
      expect((await api.userApi.getLoggedUser()).healthcarePartyId).toBe(healthcareProfessional.id)
      // Its creator manages it.
      expect((await hcpA.api.userApi.getUser(user.id!)).login).toBe(loginName)
    })
  })
}
