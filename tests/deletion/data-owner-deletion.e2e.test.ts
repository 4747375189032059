import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HealthcareProfessional, MedicalDevice, Patient, SdkError, User, type MedTechApi } from '@cairn/sdk'
import { BACKENDS } from '../support/backends.ts'
import { disposeServer, startServer, type ServerProcess } from '../support/server-process.ts'
import { login, newHcp, type Actor } from '../support/actors.ts'
import { rawSql, uniqueLogin, type RawSql } from '../accounts/accounts-support.ts'
import { client, expectError, uuid, type Client } from '../access/http.ts'

/**
 * Healthcare professionals and medical devices through the SDK, on each storage backend: the bulk
 * device methods (all or nothing, 409 on a stale rev, MedTech's id checks), deletion with MedTech's
 * return values (revs), who may delete (admins and the responsible professional, never the data owner
 * itself, never while a user acts as it), and what a deleted data owner leaves: an id never given
 * again and public keys that still verify what it shared.
 */

const R = '/rest/v1'

/** The SdkError a call rejects with (the test fails if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<SdkError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(SdkError)
  return error as SdkError
}

for (const backend of BACKENDS) {
  describe.skipIf(!backend.enabled)(`deleting professionals and devices (${backend.name})`, () => {
    let server: ServerProcess
    let sql: RawSql
    let http: Client
    let hcpA: Actor
    let hcpB: Actor
    let adminToken: string

    /** A new user for data owner `link` (created by `api`'s professional), with its credentials. */
    const userFor = async (api: MedTechApi, link: Partial<User>) => {
      const credentials = { login: uniqueLogin('owner'), password: `pw-${uuid()}` }
      const user = await api.userApi.createOrModifyUser(
        new User({ login: credentials.login, passwordHash: credentials.password, ...link }),
      )
      return { user, ...credentials }
    }

    beforeAll(async () => {
      server = await startServer({ databaseUrl: backend.databaseUrl })
      sql = await rawSql(server)
      http = client(server.url)
      ;[hcpA, hcpB] = await Promise.all([newHcp(server, 'owner-a'), newHcp(server, 'owner-b')])
      adminToken = (await http.login(server.adminLogin, server.adminPassword)).token
    })
    afterAll(async () => {
      await sql?.close()
      await disposeServer(server)
    })

    it('creates and modifies devices in bulk, in the order given', async () => {
      const devices = hcpA.api.medicalDeviceApi
      expect(await devices.createOrModifyMedicalDevices([])).toEqual([])
      const [one, two] = await devices.createOrModifyMedicalDevices([
        new MedicalDevice({ name: 'Glucometer', serialNumber: 'G-1' }),
        new MedicalDevice({ id: uuid(), name: 'Scale' }),
      ])
      expect([one.name, two.name]).toEqual(['Glucometer', 'Scale'])
      expect([one.rev, two.rev]).toEqual([expect.stringMatching(/^1-/), expect.stringMatching(/^1-/)])
      expect(one.responsible).toBe(hcpA.dataOwnerId)
      expect(one.created).toEqual(expect.any(Number))

      const [three, twoAgain, oneAgain] = await devices.createOrModifyMedicalDevices([
        new MedicalDevice({ name: 'Thermometer' }),
        new MedicalDevice({ ...two, brand: 'Acme' }),
        new MedicalDevice({ ...one, model: 'GX' }),
      ])
      expect(three.rev).toMatch(/^1-/)
      expect([twoAgain.rev, twoAgain.brand]).toEqual([expect.stringMatching(/^2-/), 'Acme'])
      expect([oneAgain.rev, oneAgain.model]).toEqual([expect.stringMatching(/^2-/), 'GX'])
      expect((await devices.getMedicalDevice(one.id!)).model).toBe('GX')
    })

    it('refuses a bulk modification with a stale rev (409) and saves nothing of it, nor the creations', async () => {
      const devices = hcpA.api.medicalDeviceApi
      const [one, two] = await devices.createOrModifyMedicalDevices([
        new MedicalDevice({ name: 'One' }),
        new MedicalDevice({ name: 'Two' }),
      ])
      await devices.createOrModifyMedicalDevices([new MedicalDevice({ ...one, name: 'One, v2' })])
      const newId = uuid()
      const e = await rejection(
        devices.createOrModifyMedicalDevices([
          new MedicalDevice({ ...two, name: 'Two, v2' }),
          new MedicalDevice({ ...one, name: 'One, stale' }),
          new MedicalDevice({ id: newId, name: 'Never' }),
        ]),
      )
      expect(e.status).toBe(409)
      expect(e.message).toMatch(/^409 - medicalDevice .* is stale/)
      expect((await devices.getMedicalDevice(two.id!)).name).toBe('Two')
      expect((await devices.getMedicalDevice(one.id!)).name).toBe('One, v2')
      expect((await rejection(devices.getMedicalDevice(newId))).status).toBe(404)
    })

    it('checks the ids of a bulk call before any request, with the MedTech messages', async () => {
      const devices = hcpA.api.medicalDeviceApi
      const noId = await rejection(
        devices.createOrModifyMedicalDevices([new MedicalDevice({ rev: '1-x', name: 'No id' })]),
      )
      expect([noId.status, noId.message]).toEqual([
        0,
        'The id of the device to update should be a valid UUID',
      ])
      const [malformed, malformedNew] = await Promise.all([
        rejection(devices.createOrModifyMedicalDevices([new MedicalDevice({ id: 'nope', rev: '1-x' })])),
        rejection(devices.createOrModifyMedicalDevices([new MedicalDevice({ id: 'nope' })])),
      ])
      expect(malformed.message).toBe('Invalid id, id must be a valid UUID')
      expect(malformedNew.message).toBe('Invalid id, id must be a valid UUID')
      const [row] = await sql.query<{ n: number }>(
        "select count(*) as n from medical_device where id = 'nope'",
      )
      expect(Number(row.n)).toBe(0)
    })

    it('deleteMedicalDevice and deleteMedicalDevices return the revs; the devices are then unknown', async () => {
      const devices = hcpA.api.medicalDeviceApi
      const [one, two, three, kept] = await devices.createOrModifyMedicalDevices(
        ['1', '2', '3', 'kept'].map((name) => new MedicalDevice({ name })),
      )
      const rev = await devices.deleteMedicalDevice(one.id!)
      expect(rev).toMatch(/^2-/)
      const revs = await devices.deleteMedicalDevices([three.id!, two.id!])
      expect(revs).toEqual([expect.stringMatching(/^2-/), expect.stringMatching(/^2-/)])
      expect(await devices.deleteMedicalDevices([])).toEqual([])
      const [stored] = await sql.query<{ rev: string; deleted: number }>(
        'select rev, deleted from medical_device where id = ?',
        [three.id],
      )
      expect([stored.rev, Number(stored.deleted)]).toEqual([revs[0], 1])
      for (const gone of [one, two, three]) {
        const e = await rejection(devices.getMedicalDevice(gone.id!))
        expect(e.message).toMatch(`404 - medicalDevice ${gone.id} does not exist`)
      }
      expect((await rejection(devices.deleteMedicalDevice(one.id!))).status).toBe(404)
      // All or nothing: an unknown id in the batch keeps the other device.
      const unknown = uuid()
      const e = await rejection(devices.deleteMedicalDevices([kept.id!, unknown]))
      expect(e.serverMessage).toBe(`medicalDevice ${unknown} does not exist`)
      expect((await devices.getMedicalDevice(kept.id!)).name).toBe('kept')
      // A deleted id is never given again, to a device or any other data owner.
      const reuse = await rejection(devices.createOrModifyMedicalDevice(new MedicalDevice({ id: one.id })))
      expect(reuse.status).toBe(409)
    })

    it('lets admins and the responsible professional delete a device, never another professional or the device itself', async () => {
      const [device] = await hcpA.api.medicalDeviceApi.createOrModifyMedicalDevices([
        new MedicalDevice({ name: 'Pump' }),
      ])
      const byB = await rejection(hcpB.api.medicalDeviceApi.deleteMedicalDevice(device.id!))
      expect(byB.status).toBe(403)
      expect(byB.serverMessage).toBe(
        `Data owner ${hcpB.dataOwnerId} may not delete medicalDevice ${device.id}: only its responsible professional and admins may`,
      )
      // While its user acts as it: 409 naming the user, even for the device itself (403 first).
      const owner = await userFor(hcpA.api, { deviceId: device.id })
      const deviceToken = (await http.login(owner.login, owner.password)).token
      expectError(
        await http.call('DELETE', `${R}/device/${device.id}`, { token: deviceToken }),
        403,
        'FORBIDDEN',
        `medicalDevice ${device.id} cannot delete itself: its responsible professional or an admin may`,
      )
      const busy = await rejection(hcpA.api.medicalDeviceApi.deleteMedicalDevice(device.id!))
      expect(busy.status).toBe(409)
      expect(busy.serverMessage).toBe(
        `medicalDevice ${device.id} is the data owner of user ${owner.user.id}: delete that user first (DELETE /user/${owner.user.id})`,
      )
      await hcpA.api.userApi.deleteUser(owner.user.id!)
      const byAdmin = await http.call<{ id: string; rev: string }>('DELETE', `${R}/device/${device.id}`, {
        token: adminToken,
      })
      expect(byAdmin.status, byAdmin.text).toBe(200)
      expect(byAdmin.body).toEqual({ id: device.id, rev: expect.stringMatching(/^2-/) as unknown })
    })

    it('deletes a professional once its user is deleted; what it shared still opens, its id stays taken', async () => {
      const colleague = await hcpA.api.healthcareProfessionalApi.createOrModifyHealthcareProfessional(
        new HealthcareProfessional({ firstName: 'Leaving', lastName: 'Soon' }),
      )
      const owner = await userFor(hcpA.api, { healthcarePartyId: colleague.id })
      const colleagueApi = await login(server, owner.login, owner.password)
      const shared = await colleagueApi.patientApi.createOrModifyPatient(
        new Patient({ firstName: 'Handed', lastName: 'Over', note: 'read me later' }),
      )
      await colleagueApi.patientApi.giveAccessTo(shared, hcpA.dataOwnerId)

      const hcps = hcpA.api.healthcareProfessionalApi
      expect(
        (await rejection(hcpB.api.healthcareProfessionalApi.deleteHealthcareProfessional(colleague.id!)))
          .serverMessage,
      ).toBe(
        `Data owner ${hcpB.dataOwnerId} may not delete healthcareProfessional ${colleague.id}: only the professional that created it and admins may`,
      )
      const self = await rejection(
        colleagueApi.healthcareProfessionalApi.deleteHealthcareProfessional(colleague.id!),
      )
      expect(self.serverMessage).toMatch(`healthcareProfessional ${colleague.id} cannot delete itself`)
      const busy = await rejection(hcps.deleteHealthcareProfessional(colleague.id!))
      expect(busy.status).toBe(409)
      expect(busy.serverMessage).toMatch(`is the data owner of user ${owner.user.id}: delete that user first`)

      await hcpA.api.userApi.deleteUser(owner.user.id!)
      const rev = await hcps.deleteHealthcareProfessional(colleague.id!)
      expect(rev).toMatch(/^3-/) // created, keys published at its first login, deleted
      expect((await rejection(hcps.getHealthcareProfessional(colleague.id!))).message).toMatch(
        `404 - healthcareProfessional ${colleague.id} does not exist`,
      )
      expect((await rejection(hcps.deleteHealthcareProfessional(colleague.id!))).status).toBe(404)

      // Its public keys stay readable: what it shared still verifies and opens, caches cleared.
      const tombstone = await hcpA.api.dataOwnerApi.getDataOwner(colleague.id!)
      expect(tombstone.type).toBe('HealthcareProfessional')
      expect(tombstone.dataOwner.deletionDate).toEqual(expect.any(Number))
      expect((tombstone.dataOwner as HealthcareProfessional).lastName).toBeUndefined()
      expect(hcpA.api.dataOwnerApi.getPublicKeysOf(tombstone)).toHaveLength(1)
      await hcpA.api.forceReload()
      expect((await hcpA.api.patientApi.getPatient(shared.id!)).note).toBe('read me later')

      // Its id is never given again, and it cannot be named responsible of anything.
      const reuse = await rejection(
        hcps.createOrModifyHealthcareProfessional(
          new HealthcareProfessional({ id: colleague.id, name: 'X' }),
        ),
      )
      expect(reuse.status).toBe(409)
      expectError(
        await http.post(`${R}/device`, { id: uuid(), responsible: colleague.id }, adminToken),
        400,
        'BAD_REQUEST',
        /is not a healthcare professional/,
      )
    })

    it('lets an admin delete a professional record that has no user', async () => {
      const record = await hcpB.api.healthcareProfessionalApi.createOrModifyHealthcareProfessional(
        new HealthcareProfessional({ name: 'Never logged in' }),
      )
      const answer = await http.call<{ id: string; rev: string }>('DELETE', `${R}/hcparty/${record.id}`, {
        token: adminToken,
      })
      expect(answer.status, answer.text).toBe(200)
      expect(answer.body).toEqual({ id: record.id, rev: expect.stringMatching(/^2-/) as unknown })
      expectError(
        await http.call('DELETE', `${R}/hcparty/${record.id}`, { token: adminToken }),
        404,
        'NOT_FOUND',
        `healthcareProfessional ${record.id} does not exist`,
      )
    })
  })
}
