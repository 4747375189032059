import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  CodingReference,
  Content,
  DataSample,
  HealthcareElement,
  Identifier,
  NoOpFilter,
  Notification,
  NotificationFilter,
  NotificationTypeEnum,
  Property,
  SdkError,
  type MedTechApi,
} from '@cairn/sdk'
import type { EncryptedEntityDto } from '@cairn/protocol'
import { BACKENDS } from '../support/backends.ts'
import { disposeServer, startServer, type ServerProcess } from '../support/server-process.ts'
import { newHcp, newPatient, type Actor } from '../support/actors.ts'
import { findPlaintext } from '../support/leak-check.ts'
import { rawSql, type RawSql } from '../accounts/accounts-support.ts'
import { call, uuid } from '../access/http.ts'

/**
 * notificationApi and NotificationFilter through the SDK against a real server process, on each
 * storage backend (medtech-api.md §2.8, §4.3, §7): creation with its defaults and sharing, encrypted
 * properties, MedTech's update rules and messages, stale revs, soft deletion, every filter with
 * paging, getPendingNotificationsAfter, who may do what, and seed 004's story (a patient asks its
 * doctor for its data with a notification).
 */

const NO_DELEGATE =
  'No delegate provided for Notification creation. You must provide a delegate to create a Notification. The delegate is the id of the data owner you want to notify.'

/** Plaintexts put in notification properties: none may reach the database or the log. */
const SECRETS = ['Please share my hay fever diagnosis', 'Second request about the allergy', 'Edited plea']

/** A STRING property, as MedTech apps write them. */
const text = (id: string, value: string) =>
  new Property({
    id,
    type: { identifier: id, type: 'STRING' },
    typedValue: { type: 'STRING', stringValue: value },
  })

/** The SdkError a call rejects with (the test fails if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<SdkError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(SdkError)
  return error as SdkError
}

const keys = (m: object | undefined) => Object.keys(m ?? {}).sort()
const idsOf = (list: { id?: string }[]) => list.map((n) => n.id)

for (const backend of BACKENDS) {
  describe.skipIf(!backend.enabled)(`notificationApi (${backend.name})`, () => {
    let server: ServerProcess
    let sql: RawSql
    let doctor: Actor
    let colleague: Actor
    let outsider: Actor
    let sharer: Actor
    let lister: Actor
    let patient: Actor

    const notificationRow = async (id: string) => {
      const [row] = await sql.query<{ rev: string; doc: string; deleted: number | boolean }>(
        'select rev, doc, deleted from notification where id = ?',
        [id],
      )
      return row
    }
    const countRows = async () =>
      Number((await sql.query<{ n: number | string }>('select count(*) as n from notification'))[0].n)
    /** A token of the actor's user, for the raw HTTP calls that check the server itself. */
    const tokenOf = async (actor: Actor) =>
      (
        await call<{ token: string }>(server.url, 'POST', '/rest/v1/auth/login', {
          json: { username: actor.login, password: actor.password },
        })
      ).body.token
    /** A notification from the patient to the doctor. */
    const ask = (properties: Property[] = [], extra: Partial<Notification> = {}) =>
      patient.api.notificationApi.createOrModifyNotification(
        new Notification({ type: NotificationTypeEnum.OTHER, properties, ...extra }),
        doctor.dataOwnerId,
      ) as Promise<Notification>

    beforeAll(async () => {
      server = await startServer({ databaseUrl: backend.databaseUrl })
      sql = await rawSql(server)
      ;[doctor, colleague, outsider, sharer, lister] = await Promise.all(
        ['doctor', 'colleague', 'outsider', 'sharer', 'lister'].map((name) => newHcp(server, name)),
      )
      patient = await newPatient(server, doctor, 'Asker')
    })
    afterAll(async () => {
      await sql?.close()
      await disposeServer(server)
    })

    it('creates a notification for a delegate: pending, author, responsible, created, shared with both', async () => {
      const before = Date.now()
      const n = await ask([text('message', SECRETS[0])])
      expect(n).toBeInstanceOf(Notification)
      expect(n.id).toMatch(/^[0-9a-f-]{36}$/)
      expect(n.rev).toMatch(/^1-/)
      expect(n.status).toBe('pending')
      expect(n.type).toBe('OTHER')
      expect(n.author).toBe(patient.user.id)
      expect(n.responsible).toBe(patient.dataOwnerId)
      expect(n.created).toBeGreaterThanOrEqual(before - 5_000)
      expect(n.identifiers).toEqual([])
      expect(n.deletionDate).toBeUndefined()
      expect(keys(n.systemMetaData?.delegations)).toEqual([doctor.dataOwnerId, patient.dataOwnerId].sort())

      const read = await doctor.api.notificationApi.getNotification(n.id!)
      expect(read).toBeInstanceOf(Notification)
      expect(read?.properties?.[0]).toBeInstanceOf(Property)
      expect(read?.properties?.[0].typedValue?.stringValue).toBe(SECRETS[0])
      expect(read).toMatchObject({ status: 'pending', type: 'OTHER', rev: n.rev, created: n.created })
      expect((await patient.api.notificationApi.getNotification(n.id!))?.properties).toEqual(read?.properties)

      // Stored: type and status in clear for the filters, properties only inside encryptedSelf.
      const stored = JSON.parse((await notificationRow(n.id!)).doc) as EncryptedEntityDto
      expect(stored).toMatchObject({ type: 'OTHER', status: 'pending', responsible: patient.dataOwnerId })
      expect(stored.properties).toBeUndefined()
      expect(stored.systemMetaData.encryptedSelf).toMatch(/^[A-Za-z0-9+/]{40,}={0,2}$/)
    })

    it('keeps a given id and status, and refuses a missing delegate or a malformed id before any request', async () => {
      const id = uuid()
      const n = await ask([], { id, status: 'ongoing' })
      expect(n).toMatchObject({ id, status: 'ongoing' })

      const rows = await countRows()
      for (const delegate of [undefined, '']) {
        const e = await rejection(
          patient.api.notificationApi.createOrModifyNotification(
            new Notification({ type: 'OTHER' }),
            delegate,
          ),
        )
        expect(e.message).toBe(NO_DELEGATE)
        expect(e).toMatchObject({ code: 'BAD_REQUEST', status: 0 })
      }
      const bad = await rejection(ask([], { id: 'not-a-uuid' }))
      expect(bad.message).toBe('Invalid id, id must be a valid UUID')
      expect(await countRows()).toBe(rows)
    })

    it('refuses a responsible other than the creator: a patient cannot speak for its doctor', async () => {
      const id = uuid()
      const e = await rejection(ask([], { id, responsible: doctor.dataOwnerId }))
      expect(e.status).toBe(403)
      expect(e.message).toMatch(
        `403 - A new notification's responsible must be the data owner creating it (${patient.dataOwnerId}), not ${doctor.dataOwnerId}`,
      )
      expect(await notificationRow(id)).toBeUndefined()
      // Naming itself is fine.
      expect((await ask([], { responsible: patient.dataOwnerId })).responsible).toBe(patient.dataOwnerId)
    })

    it("shares new notifications with the creator's sharingDataWith.all, not with medicalInformation", async () => {
      await sharer.api.userApi.shareAllFutureDataWith([colleague.dataOwnerId], 'all')
      await sharer.api.userApi.shareAllFutureDataWith([outsider.dataOwnerId], 'medicalInformation')
      const n = (await sharer.api.notificationApi.createOrModifyNotification(
        new Notification({ type: 'OTHER', properties: [text('m', SECRETS[1])] }),
        doctor.dataOwnerId,
      ))!
      expect(keys(n.systemMetaData?.delegations)).toEqual(
        [sharer.dataOwnerId, doctor.dataOwnerId, colleague.dataOwnerId].sort(),
      )
      const read = await colleague.api.notificationApi.getNotification(n.id!)
      expect(read?.properties?.[0].typedValue?.stringValue).toBe(SECRETS[1])
      expect((await rejection(outsider.api.notificationApi.getNotification(n.id!))).status).toBe(404)
      // Modifications do not change the sharing.
      const edited = await sharer.api.notificationApi.updateNotificationStatus(n, 'ongoing')
      expect(keys(edited?.systemMetaData?.delegations)).toEqual(keys(n.systemMetaData?.delegations))
    })

    it("lets only status, identifiers and properties change, with MedTech's messages", async () => {
      const n = await ask([text('message', 'first words')])
      const attempts: [Partial<Notification>, string][] = [
        [{ created: 1 }, 'Cannot modify created field'],
        [{ endOfLife: 1 }, 'Cannot modify endOfLife field'],
        [{ deletionDate: 1 }, 'Cannot modify deletionDate field'],
        [{ modified: 1 }, 'Cannot modify modified field'],
        [{ author: doctor.user.id }, 'Cannot modify  author field'],
        [{ responsible: doctor.dataOwnerId }, 'Cannot modify responsible field'],
        [{ type: 'KEY_PAIR_UPDATE' }, 'Cannot modify type field'],
        [{ systemMetaData: undefined }, 'Cannot modify systemMetaData field'],
      ]
      for (const [change, message] of attempts) {
        const e = await rejection(
          patient.api.notificationApi.createOrModifyNotification(new Notification({ ...n, ...change })),
        )
        expect(e.message).toBe(message)
        expect(e.code).toBe('BAD_REQUEST')
      }
      const noId = await rejection(
        patient.api.notificationApi.createOrModifyNotification(new Notification({ rev: n.rev })),
      )
      expect(noId.message).toBe('Invalid notification')
      const missing = await rejection(
        patient.api.notificationApi.createOrModifyNotification(
          new Notification({ id: uuid(), rev: '1-abc' }),
        ),
      )
      expect(missing).toMatchObject({
        message: 'Cannot modify a non-existing Notification',
        code: 'NOT_FOUND',
      })
      expect((await notificationRow(n.id!)).rev).toBe(n.rev)

      const identifier = new Identifier({ system: 'urn:ticket', value: 'T-1' })
      const saved = await patient.api.notificationApi.createOrModifyNotification(
        new Notification({
          ...n,
          status: 'ongoing',
          identifiers: [identifier],
          properties: [text('m', SECRETS[2])],
        }),
        outsider.dataOwnerId, // ignored on update
      )
      expect(saved?.rev).toMatch(/^2-/)
      const read = await doctor.api.notificationApi.getNotification(n.id!)
      expect(read).toMatchObject({ status: 'ongoing', rev: saved?.rev, created: n.created, author: n.author })
      expect(read?.identifiers?.[0]).toMatchObject({ system: 'urn:ticket', value: 'T-1' })
      expect(read?.properties?.[0].typedValue?.stringValue).toBe(SECRETS[2])
      expect(keys(read?.systemMetaData?.delegations)).toEqual(keys(n.systemMetaData?.delegations))
    })

    it('refuses a stale rev (CONFLICT in the SDK, 409 from the server) and changes nothing', async () => {
      const v1 = await ask()
      const token = await tokenOf(patient)
      const wireV1 = (
        await call<EncryptedEntityDto>(server.url, 'GET', `/rest/v1/notification/${v1.id}`, { token })
      ).body
      const v2 = await patient.api.notificationApi.updateNotificationStatus(new Notification(v1), 'ongoing')
      expect(v2?.rev).toMatch(/^2-/)

      const stale = await rejection(
        patient.api.notificationApi.createOrModifyNotification(
          new Notification({ ...v1, status: 'completed' }),
        ),
      )
      expect(stale).toMatchObject({ message: 'Cannot modify rev field', code: 'CONFLICT' })
      // The server's own check, for a client that skips the SDK's.
      const raw = await call<{ error: { code: string; message: string } }>(
        server.url,
        'PUT',
        '/rest/v1/notification',
        {
          token,
          json: { ...wireV1, status: 'cancelled' },
        },
      )
      expect(raw.status).toBe(409)
      expect(raw.body.error.message).toMatch(`rev ${v1.rev} is stale`)

      // Two writers from the same revision at once: one wins, the other is told CONFLICT.
      const results = await Promise.allSettled([
        patient.api.notificationApi.updateNotificationStatus(new Notification(v2!), 'completed'),
        doctor.api.notificationApi.updateNotificationStatus(new Notification(v2!), 'cancelled'),
      ])
      const won = results.filter((r) => r.status === 'fulfilled')
      const lost = results.filter((r) => r.status === 'rejected')
      expect(won).toHaveLength(1)
      expect(lost).toHaveLength(1)
      expect(lost[0].reason).toMatchObject({ code: 'CONFLICT' })
      const winner = won[0].value!
      const stored = JSON.parse((await notificationRow(v1.id!)).doc) as EncryptedEntityDto
      expect(stored).toMatchObject({ rev: winner.rev, status: winner.status })
      expect(stored.rev).toMatch(/^3-/)
    })

    it('updateNotificationStatus mutates the notification, then saves it with a new rev', async () => {
      const n = await ask()
      const saved = await doctor.api.notificationApi.updateNotificationStatus(n, 'completed')
      expect(n.status).toBe('completed')
      expect(saved?.status).toBe('completed')
      expect(saved?.rev).toMatch(/^2-/)
      expect((await patient.api.notificationApi.getNotification(n.id!))?.status).toBe('completed')
      expect(saved?.systemMetaData?.writer).toEqual({ dataOwnerId: doctor.dataOwnerId, verified: true })
    })

    it('deletes softly: the id comes back, and the notification stays readable with deletionDate set', async () => {
      const n = await ask([text('message', 'kept after deletion')])
      expect(await doctor.api.notificationApi.deleteNotification(n.id!)).toBe(n.id)
      for (const api of [doctor.api, patient.api]) {
        const read = (await api.notificationApi.getNotification(n.id!))!
        expect(read.deletionDate).toEqual(expect.any(Number))
        expect(read.rev).toMatch(/^2-/)
        expect(read).toMatchObject({ status: 'pending', type: 'OTHER', created: n.created })
        expect(read.properties?.[0].typedValue?.stringValue).toBe('kept after deletion')
      }
      const row = await notificationRow(n.id!)
      expect(Number(row.deleted)).toBe(0)
      expect(JSON.parse(row.doc)).toHaveProperty('deletionDate')
      // Still found by its parties' filters, left out of the pending ones.
      const all = await patient.api.notificationApi.matchNotifications(
        await new NotificationFilter(patient.api).forSelf().build(),
      )
      expect(all).toContain(n.id)
      expect(idsOf(await doctor.api.notificationApi.getPendingNotificationsAfter())).not.toContain(n.id)
      // Deleting again changes nothing; a modification keeps the deletion.
      expect(await patient.api.notificationApi.deleteNotification(n.id!)).toBe(n.id)
      expect((await notificationRow(n.id!)).rev).toBe(row.rev)
      const deleted = (await patient.api.notificationApi.getNotification(n.id!))!
      const edited = await patient.api.notificationApi.updateNotificationStatus(deleted, 'cancelled')
      expect(edited?.deletionDate).toBe(deleted.deletionDate)

      const [a, b] = await Promise.all([ask(), ask()])
      expect(await patient.api.notificationApi.deleteNotifications([a.id!, b.id!])).toEqual([a.id, b.id])
      expect(await patient.api.notificationApi.deleteNotifications([])).toEqual([])
      expect((await doctor.api.notificationApi.getNotification(b.id!))?.deletionDate).toEqual(
        expect.any(Number),
      )
    })

    it('finds notifications by every filter, newest first after a date, page by page', async () => {
      const base = 1_700_000_000_000
      const types = ['OTHER', 'KEY_PAIR_UPDATE', 'OTHER', 'NEW_USER_OWN_DATA_ACCESS', 'OTHER'] as const
      const made: Notification[] = []
      for (const [i, type] of types.entries())
        made.push(
          (await lister.api.notificationApi.createOrModifyNotification(
            new Notification({ type, created: base + i * 1000 }),
            colleague.dataOwnerId,
          ))!,
        )
      const ids = made.map((n) => n.id!)
      const api = lister.api.notificationApi
      const dsl = () => new NotificationFilter(lister.api).forSelf()
      const rows = async (filter: Parameters<typeof api.filterNotifications>[0]) =>
        idsOf((await api.filterNotifications(filter)).rows)

      // Default (after date 0): every one, newest first.
      expect(await rows(await dsl().build())).toEqual([...ids].reverse())
      expect(await rows(await dsl().withType(NotificationTypeEnum.OTHER).build())).toEqual(
        expect.arrayContaining([ids[0], ids[2], ids[4]]),
      )
      expect((await rows(await dsl().withType('OTHER').build())).sort()).toEqual(
        [ids[0], ids[2], ids[4]].sort(),
      )
      expect(await api.matchNotifications(await dsl().withType('KEY_PAIR_UPDATE').build())).toEqual([ids[1]])
      // Strictly after the date.
      expect(
        await rows(
          await dsl()
            .afterDate(base + 2000)
            .build(),
        ),
      ).toEqual([ids[4], ids[3]])
      expect(await rows(await dsl().byIds([ids[0], ids[3], uuid()]).build())).toEqual([ids[0], ids[3]].sort())
      expect(
        await rows(
          await dsl()
            .withType('OTHER')
            .sort.afterDate(base + 1000)
            .build(),
        ),
      ).toEqual([ids[4], ids[2]])
      const union = {
        $type: 'UnionFilter',
        filters: [
          { $type: 'NotificationsByIdFilter', ids: [ids[1]] },
          {
            $type: 'NotificationsByHcPartyAndTypeFilter',
            healthcarePartyId: lister.dataOwnerId,
            type: 'NEW_USER_OWN_DATA_ACCESS',
          },
        ],
      }
      expect((await api.matchNotifications(union)).sort()).toEqual([ids[1], ids[3]].sort())
      // The delegate finds them too; a third data owner finds none of them.
      expect(
        await colleague.api.notificationApi.matchNotifications({
          $type: 'NotificationsByIdFilter',
          ids,
        } as never),
      ).toEqual([...ids].sort())
      expect(
        await outsider.api.notificationApi.matchNotifications({
          $type: 'NotificationsByIdFilter',
          ids,
        } as never),
      ).toEqual([])

      // Pages of 2: totalSize counts every match, nextKeyPair continues, concatenateFilterResults follows it.
      const all = await dsl().build()
      const first = await api.filterNotifications(all, undefined, 2)
      expect(first).toMatchObject({ pageSize: 2, totalSize: 5 })
      expect(idsOf(first.rows)).toEqual([ids[4], ids[3]])
      const second = await api.filterNotifications(all, first.nextKeyPair?.startKeyDocId, 2)
      expect(idsOf(second.rows)).toEqual([ids[2], ids[1]])
      const last = await api.filterNotifications(all, second.nextKeyPair?.startKeyDocId, 2)
      expect(idsOf(last.rows)).toEqual([ids[0]])
      expect(last.nextKeyPair).toBeDefined()
      expect(last.nextKeyPair?.startKeyDocId).toBeUndefined()
      expect(idsOf(await api.concatenateFilterResults(all, undefined, 2))).toEqual([...ids].reverse())

      // Criteria that cannot match answer without a request; another data owner's filter is a 403.
      const noOp = await dsl().withType('OTHER').withType('KEY_PAIR_UPDATE').build()
      expect(NoOpFilter.isNoOp(noOp)).toBe(true)
      expect(await api.filterNotifications(noOp)).toMatchObject({ pageSize: 0, totalSize: 0, rows: [] })
      const foreign = await new NotificationFilter(lister.api).forDataOwner(colleague.dataOwnerId).build()
      const refused = await rejection(api.filterNotifications(foreign))
      expect(refused.message).toMatch(
        `403 - Data owner ${lister.dataOwnerId} cannot query the data of data owner ${colleague.dataOwnerId}`,
      )

      // getPendingNotificationsAfter: every pending one without a date, newest first; after a date, the later ones.
      await api.updateNotificationStatus(made[4], 'completed')
      await api.deleteNotification(ids[3])
      expect(idsOf(await api.getPendingNotificationsAfter())).toEqual([ids[2], ids[1], ids[0]])
      expect(idsOf(await api.getPendingNotificationsAfter(base + 500))).toEqual([ids[2], ids[1]])
      expect(idsOf(await colleague.api.notificationApi.getPendingNotificationsAfter(base + 1500))).toEqual([
        ids[2],
      ])
      expect(await outsider.api.notificationApi.getPendingNotificationsAfter()).toEqual([])
    })

    it('keeps a third data owner out: it cannot get, modify, delete or list a notification', async () => {
      const n = await ask([text('message', 'not for outsiders')])
      const notFound = `404 - notification ${n.id} not found`
      expect((await rejection(outsider.api.notificationApi.getNotification(n.id!))).message).toMatch(notFound)
      expect((await rejection(outsider.api.notificationApi.deleteNotification(n.id!))).message).toMatch(
        notFound,
      )
      expect(
        (
          await rejection(
            outsider.api.notificationApi.updateNotificationStatus(new Notification(n), 'cancelled'),
          )
        ).message,
      ).toBe('Cannot modify a non-existing Notification')
      const token = await tokenOf(outsider)
      const raw = await call(server.url, 'PUT', '/rest/v1/notification', {
        token,
        json: { ...JSON.parse((await notificationRow(n.id!)).doc), status: 'cancelled' },
      })
      expect(raw.status).toBe(404)
      const listed = await outsider.api.notificationApi.filterNotifications(
        await new NotificationFilter(outsider.api).forSelf().build(),
      )
      expect(idsOf(listed.rows)).not.toContain(n.id)
      expect(await patient.api.notificationApi.getNotification(n.id!)).toMatchObject({
        status: 'pending',
        rev: n.rev,
      })
    })

    it("seed 004: the doctor answers its patient's notification and shares the data, which the patient then reads", async () => {
      const seedDoctor = await newHcp(server, 'seed-doctor')
      const seedPatient = await newPatient(server, seedDoctor, 'Hay')
      const api: MedTechApi = seedDoctor.api
      const healthcareElement = await api.healthcareElementApi.createOrModifyHealthcareElement(
        new HealthcareElement({
          description: 'My diagnosis is that the patient has Hay Fever',
          codes: new Set([
            new CodingReference({
              id: 'SNOMEDCT|21719001|20020131',
              type: 'SNOMEDCT',
              code: '21719001',
              version: '20020131',
            }),
          ]),
        }),
        seedPatient.dataOwnerId,
      )
      const dataSample = await api.dataSampleApi.createOrModifyDataSampleFor(
        seedPatient.dataOwnerId,
        new DataSample({
          content: { en: new Content({ stringValue: 'The patient has fatigue' }) },
          healthcareElementIds: new Set([healthcareElement.id!]),
        }),
      )
      // The patient cannot read them yet, and asks its doctor.
      expect(
        (await rejection(seedPatient.api.healthcareElementApi.getHealthcareElement(healthcareElement.id!)))
          .status,
      ).toBe(404)
      const asked = await seedPatient.api.notificationApi.createOrModifyNotification(
        new Notification({ type: NotificationTypeEnum.OTHER }),
        seedDoctor.dataOwnerId,
      )

      // The snippet of the seed, as written there.
      const newNotifications = await api.notificationApi.getPendingNotificationsAfter()
      const newPatientNotifications = newNotifications.filter(
        (notification) =>
          notification.type === NotificationTypeEnum.OTHER &&
          notification.responsible === seedPatient.user.patientId,
      )
      expect(idsOf(newPatientNotifications)).toEqual([asked?.id])
      if (!!newPatientNotifications && newPatientNotifications.length > 0) {
        await api.healthcareElementApi.giveAccessTo(healthcareElement, seedPatient.dataOwnerId)
        await api.dataSampleApi.giveAccessTo(dataSample, seedPatient.dataOwnerId)
        await api.notificationApi.updateNotificationStatus(newPatientNotifications[0], 'completed')
      }
      expect(newPatientNotifications[0].status).toBe('completed')
      expect(await api.notificationApi.getPendingNotificationsAfter()).toEqual([])

      await seedPatient.api.forceReload()
      expect(
        (await seedPatient.api.healthcareElementApi.getHealthcareElement(healthcareElement.id!)).description,
      ).toBe('My diagnosis is that the patient has Hay Fever')
      expect(
        (await seedPatient.api.dataSampleApi.getDataSample(dataSample.id!)).content?.en?.stringValue,
      ).toBe('The patient has fatigue')
      expect((await seedPatient.api.notificationApi.getNotification(asked!.id!))?.status).toBe('completed')
    })

    it('leaves no plaintext of the properties in the database or the log', async () => {
      expect(await countRows()).toBeGreaterThan(10)
      expect(await findPlaintext(server, SECRETS)).toEqual([])
      // The scan can find things: the clear type is stored as sent.
      expect((await findPlaintext(server, ['NEW_USER_OWN_DATA_ACCESS'])).length).toBeGreaterThan(0)
    })
  })
}
