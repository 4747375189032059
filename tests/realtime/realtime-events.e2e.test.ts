import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  Content,
  DataSample,
  DataSampleFilter,
  HealthcareElement,
  Notification,
  NotificationFilter,
  NotificationTypeEnum,
  Patient,
  PatientFilter,
  Property,
  SdkError,
  User,
  UserFilter,
  type Connection,
} from '@cairn/sdk'
import { BACKENDS } from '../support/backends.ts'
import { disposeServer, startServer, type ServerProcess } from '../support/server-process.ts'
import { login, newHcp, type Actor } from '../support/actors.ts'
import { EventLog } from './realtime-support.ts'

/**
 * Realtime subscriptions through the SDK against a real server process, on each storage backend
 * (medtech-api.md §2.11, docs/realtime.md): CREATE, UPDATE and DELETE events of patients, data
 * samples, healthcare elements, notifications and users, decrypted as the SDK models, with and
 * without filters (a filter that excludes really excludes), only what the subscriber may read (and
 * what it may read once shared with it), close() stopping delivery, and refused subscriptions
 * rejecting with the server's reason.
 *
 * "Nothing arrived" is proven without sleeping: events of one subscription come in the order of the
 * server's stream, so once a later matching event (a marker) has arrived, an excluded earlier one
 * would have arrived before it. Each write waits for its event before the next one: the server sends
 * the record as it is when it sends the event, so writes in quick succession would show the last
 * state in each of their events.
 */

const ALL = ['CREATE', 'UPDATE', 'DELETE'] as ('CREATE' | 'UPDATE' | 'DELETE')[]

/** A STRING property, as MedTech apps write them. */
const text = (id: string, value: string) =>
  new Property({
    id,
    type: { identifier: id, type: 'STRING' },
    typedValue: { type: 'STRING', stringValue: value },
  })

for (const backend of BACKENDS) {
  describe.skipIf(!backend.enabled)(`realtime subscriptions (${backend.name})`, () => {
    let server: ServerProcess
    let doctor: Actor
    let colleague: Actor
    const open: Connection[] = []

    /** Subscribes and remembers the connection, to close it after the file even if a test fails. */
    const track = <C extends Connection>(connection: C): C => {
      open.push(connection)
      return connection
    }

    beforeAll(async () => {
      server = await startServer({ databaseUrl: backend.databaseUrl })
      doctor = await newHcp(server, 'doctor')
      colleague = await newHcp(server, 'colleague')
    })

    afterAll(async () => {
      for (const c of open) c.close()
      await disposeServer(server)
    })

    it('patients: CREATE, UPDATE and DELETE arrive decrypted, in order, as Patient models', async () => {
      const log = new EventLog<Patient>()
      const deletions = new EventLog<Patient>()
      const connection = track(await doctor.api.patientApi.subscribeToPatientEvents(ALL, undefined, log.push))
      log.watch(connection)
      const onlyDeletes = track(
        await doctor.api.patientApi.subscribeToPatientEvents(['DELETE'], undefined, deletions.push),
      )
      expect(connection.connectionStatus).toBe('CONNECTED')
      expect(connection.cursor).toMatch(/^[0-9]+$/)

      const created = await doctor.api.patientApi.createOrModifyPatient(
        new Patient({ firstName: 'Ada', lastName: 'Lovelace', note: 'realtime secret note' }),
      )
      await log.next((p) => p.rev === created.rev, 'the creation')
      const modified = await doctor.api.patientApi.createOrModifyPatient(
        new Patient({ ...created, note: 'changed note' }),
      )
      await log.next((p) => p.rev === modified.rev, 'the modification')
      await doctor.api.patientApi.deletePatient(created.id!)

      const events = (
        await log.until(
          (items) => items.filter((p) => p.id === created.id).length >= 3,
          'three patient events',
        )
      ).filter((p) => p.id === created.id)
      expect(events.every((p) => p instanceof Patient)).toBe(true)
      expect(events[0]).toMatchObject({ rev: created.rev, firstName: 'Ada', note: 'realtime secret note' })
      expect(events[0].systemMetaData?.writer).toEqual({ dataOwnerId: doctor.dataOwnerId, verified: true })
      expect(events[1]).toMatchObject({ rev: modified.rev, note: 'changed note' })
      expect(events[2].deletionDate).toEqual(expect.any(Number))
      expect(events[2].note).toBeUndefined()
      expect(log.errors).toEqual([])
      // The DELETE-only subscription got the deletion alone.
      const deleted = await deletions.next((p) => p.id === created.id, 'the deletion')
      expect(deleted.deletionDate).toEqual(expect.any(Number))
      expect(deletions.items.filter((p) => p.id === created.id)).toHaveLength(1)
      expect(BigInt(connection.cursor!)).toBeGreaterThan(0n)
      onlyDeletes.close()
      connection.close()
    })

    it('patients: a filter excludes what it does not match', async () => {
      const filter = await new PatientFilter(doctor.api)
        .forDataOwner(doctor.dataOwnerId)
        .dateOfBirthBetween(19500101, 19591231)
        .build()
      const log = new EventLog<Patient>()
      const connection = track(
        await doctor.api.patientApi.subscribeToPatientEvents(['CREATE'], filter, log.push),
      )
      log.watch(connection)
      const outside = await doctor.api.patientApi.createOrModifyPatient(
        new Patient({ firstName: 'Born', lastName: 'Later', dateOfBirth: 19800101 }),
      )
      const inside = await doctor.api.patientApi.createOrModifyPatient(
        new Patient({ firstName: 'Born', lastName: 'Fifties', dateOfBirth: 19550505 }),
      )
      await log.next((p) => p.id === inside.id, 'the matching patient')
      expect(log.items.map((p) => p.id)).not.toContain(outside.id)
      expect(log.items.every((p) => p.dateOfBirth! >= 19500101 && p.dateOfBirth! <= 19591231)).toBe(true)
      connection.close()
    })

    it('data samples: events of the filtered patient only, content decrypted, DELETE as a tombstone', async () => {
      const patientA = await doctor.api.patientApi.createOrModifyPatient(
        new Patient({ firstName: 'A', lastName: 'Sample' }),
      )
      const patientB = await doctor.api.patientApi.createOrModifyPatient(
        new Patient({ firstName: 'B', lastName: 'Sample' }),
      )
      const filter = await new DataSampleFilter(doctor.api)
        .forDataOwner(doctor.dataOwnerId)
        .forPatients([patientA])
        .build()
      const log = new EventLog<DataSample>()
      const all = new EventLog<DataSample>()
      const connection = track(
        await doctor.api.dataSampleApi.subscribeToDataSampleEvents(ALL, filter, log.push),
      )
      log.watch(connection)
      track(await doctor.api.dataSampleApi.subscribeToDataSampleEvents(ALL, undefined, all.push))

      const ofB = await doctor.api.dataSampleApi.createOrModifyDataSampleFor(
        patientB.id!,
        new DataSample({ content: { en: new Content({ stringValue: 'B only' }) } }),
      )
      const ofA = await doctor.api.dataSampleApi.createOrModifyDataSampleFor(
        patientA.id!,
        new DataSample({ content: { en: new Content({ stringValue: 'glucose 5.4' }) }, comment: 'fasting' }),
      )
      await log.next((d) => d.id === ofA.id, 'the sample of A')
      const modified = await doctor.api.dataSampleApi.createOrModifyDataSampleFor(
        patientA.id!,
        new DataSample({ ...ofA, content: { en: new Content({ stringValue: 'glucose 5.9' }) } }),
      )
      await log.until((items) => items.length >= 2, 'the modification')
      await doctor.api.dataSampleApi.deleteDataSample(ofA.id!)

      const events = await log.until(
        (items) => items.length >= 3,
        'create, update and delete of the sample of A',
      )
      expect(events.map((d) => d.id)).toEqual([ofA.id, ofA.id, ofA.id])
      expect(events[0]).toBeInstanceOf(DataSample)
      expect(events[0].content.en.stringValue).toBe('glucose 5.4')
      expect(events[0].comment).toBe('fasting')
      expect(events[1].content.en.stringValue).toBe('glucose 5.9')
      expect((events[1] as DataSample & { rev?: string }).rev).toBe(
        (modified as DataSample & { rev?: string }).rev,
      )
      expect((events[2] as DataSample & { deletionDate?: number }).deletionDate).toEqual(expect.any(Number))
      expect(events[2].content).toEqual({})
      expect(log.errors).toEqual([])
      // The unfiltered subscription saw B's sample (so it was sent to subscribers that match it).
      await all.next((d) => d.id === ofB.id, "B's sample on the unfiltered subscription")
      expect(log.items.map((d) => d.id)).not.toContain(ofB.id)
    })

    it('healthcare elements: CREATE, UPDATE, DELETE with the description decrypted', async () => {
      const patient = await doctor.api.patientApi.createOrModifyPatient(
        new Patient({ firstName: 'He', lastName: 'Events' }),
      )
      const log = new EventLog<HealthcareElement>()
      const connection = track(
        await doctor.api.healthcareElementApi.subscribeToHealthcareElementEvents(ALL, undefined, log.push),
      )
      log.watch(connection)
      const created = await doctor.api.healthcareElementApi.createOrModifyHealthcareElement(
        new HealthcareElement({ description: 'hay fever', openingDate: 20200101 }),
        patient.id,
      )
      await log.next((h) => h.rev === created.rev, 'the creation')
      const modified = await doctor.api.healthcareElementApi.createOrModifyHealthcareElement(
        new HealthcareElement({ ...created, description: 'seasonal hay fever' }),
      )
      await log.next((h) => h.rev === modified.rev, 'the modification')
      await doctor.api.healthcareElementApi.deleteHealthcareElement(created.id!)
      const events = (
        await log.until(
          (items) => items.filter((h) => h.id === created.id).length >= 3,
          'three element events',
        )
      ).filter((h) => h.id === created.id)
      expect(events[0]).toBeInstanceOf(HealthcareElement)
      expect(events[0]).toMatchObject({ rev: created.rev, description: 'hay fever' })
      expect(events[1]).toMatchObject({ rev: modified.rev, description: 'seasonal hay fever' })
      expect(events[2].deletionDate).toEqual(expect.any(Number))
      expect(log.errors).toEqual([])
    })

    it('notifications: the recipient gets those its filter matches, decrypted, and their updates and soft deletion', async () => {
      const filter = await new NotificationFilter(doctor.api)
        .forDataOwner(doctor.dataOwnerId)
        .withType(NotificationTypeEnum.NEW_USER_OWN_DATA_ACCESS)
        .build()
      const log = new EventLog<Notification>()
      const connection = track(
        await doctor.api.notificationApi.subscribeToNotificationEvents(ALL, filter, log.push),
      )
      log.watch(connection)
      const other = await colleague.api.notificationApi.createOrModifyNotification(
        new Notification({ type: NotificationTypeEnum.OTHER, properties: [text('p', 'not this one')] }),
        doctor.dataOwnerId,
      )
      const request = await colleague.api.notificationApi.createOrModifyNotification(
        new Notification({
          type: NotificationTypeEnum.NEW_USER_OWN_DATA_ACCESS,
          properties: [text('p', 'please share my data')],
        }),
        doctor.dataOwnerId,
      )
      const first = await log.next((n) => n.id === request!.id, 'the request')
      expect(first).toBeInstanceOf(Notification)
      expect(first.status).toBe('pending')
      expect(first.properties?.[0]?.typedValue?.stringValue).toBe('please share my data')
      expect(log.items.map((n) => n.id)).not.toContain(other!.id)

      await doctor.api.notificationApi.updateNotificationStatus(first, 'ongoing')
      await log.next((n) => n.id === request!.id && n.status === 'ongoing', 'the status change')
      await doctor.api.notificationApi.deleteNotification(request!.id!)
      const events = (
        await log.until(
          (items) => items.filter((n) => n.id === request!.id).length >= 3,
          'update and deletion',
        )
      ).filter((n) => n.id === request!.id)
      expect(events[1].status).toBe('ongoing')
      expect(events[2].deletionDate).toEqual(expect.any(Number))
      expect(events[2].properties?.[0]?.typedValue?.stringValue).toBe('please share my data')
      expect(log.items.map((n) => n.id)).not.toContain(other!.id)
      expect(log.errors).toEqual([])
    })

    it('users: an admin gets the events its filter matches, a user those about itself, as User models', async () => {
      const admin = await login(server, server.adminLogin, server.adminPassword)
      const first = await doctor.api.patientApi.createOrModifyPatient(
        new Patient({ firstName: 'U1', lastName: 'Events' }),
      )
      const second = await doctor.api.patientApi.createOrModifyPatient(
        new Patient({ firstName: 'U2', lastName: 'Events' }),
      )
      const filter = await new UserFilter(admin).byPatientId(second.id!).build()
      const log = new EventLog<User>()
      const unfiltered = new EventLog<User>()
      const own = new EventLog<User>()
      const connection = track(await admin.userApi.subscribeToUserEvents(ALL, filter, log.push))
      log.watch(connection)
      track(await admin.userApi.subscribeToUserEvents(['CREATE'], undefined, unfiltered.push))
      track(await colleague.api.userApi.subscribeToUserEvents(['UPDATE'], undefined, own.push))
      const stamp = Date.now().toString(36)
      const excluded = await doctor.api.userApi.createOrModifyUser(
        new User({ login: `u1-${stamp}@example.org`, passwordHash: `pw-${stamp}-1`, patientId: first.id }),
      )
      const user = await doctor.api.userApi.createOrModifyUser(
        new User({ login: `u2-${stamp}@example.org`, passwordHash: `pw-${stamp}-2`, patientId: second.id }),
      )
      const created = await log.next((u) => u.id === user.id, 'the user of the second patient')
      expect(created).toBeInstanceOf(User)
      expect(created).toMatchObject({ login: `u2-${stamp}@example.org`, patientId: second.id })
      expect(created.passwordHash).toBeUndefined()
      await unfiltered.next((u) => u.id === excluded.id, 'the first user on the unfiltered subscription')

      const modified = await doctor.api.userApi.createOrModifyUser(new User({ ...user, name: 'Renamed' }))
      await log.next((u) => u.rev === modified.rev, 'the modification')
      await doctor.api.userApi.deleteUser(user.id!)
      const events = (
        await log.until((items) => items.filter((u) => u.id === user.id).length >= 3, 'the deletion')
      ).filter((u) => u.id === user.id)
      expect(events[1]).toMatchObject({ rev: modified.rev, name: 'Renamed' })
      expect(events[2].rev).not.toBe(modified.rev)
      expect(log.items.map((u) => u.id)).not.toContain(excluded.id)
      expect(log.errors).toEqual([])

      // A user that is no admin hears of itself only: not of the users above, but of its own change.
      const me = await colleague.api.userApi.getLoggedUser()
      const renamed = await colleague.api.userApi.createOrModifyUser(
        new User({ ...me, name: 'Colleague renamed' }),
      )
      const mine = await own.next((u) => u.rev === renamed.rev, "the colleague's own modification")
      expect(mine).toMatchObject({ id: me.id, name: 'Colleague renamed' })
      expect(own.items.map((u) => u.id)).toEqual([me.id])
    })

    it('access: a doctor without access receives nothing, then receives the patient once it is shared', async () => {
      const log = new EventLog<Patient>()
      const connection = track(
        await colleague.api.patientApi.subscribeToPatientEvents(ALL, undefined, log.push),
      )
      log.watch(connection)
      const hidden = await doctor.api.patientApi.createOrModifyPatient(
        new Patient({ firstName: 'Not', lastName: 'Shared', note: 'private to the doctor' }),
      )
      const marker = await colleague.api.patientApi.createOrModifyPatient(
        new Patient({ firstName: 'Own', lastName: 'Marker' }),
      )
      await log.next((p) => p.id === marker.id, "the colleague's own patient")
      expect(log.items.map((p) => p.id)).not.toContain(hidden.id)

      await doctor.api.patientApi.giveAccessTo(hidden, colleague.dataOwnerId)
      const shared = await log.next((p) => p.id === hidden.id, 'the shared patient')
      expect(shared.note).toBe('private to the doctor')
      expect(log.errors).toEqual([])
    })

    it('close() stops delivery and reports CLOSED', async () => {
      const closedLog = new EventLog<Patient>()
      const witness = new EventLog<Patient>()
      let closedCalls = 0
      const connection = track(
        await doctor.api.patientApi.subscribeToPatientEvents(['CREATE'], undefined, closedLog.push),
      )
      connection.onClosed(() => closedCalls++)
      track(await doctor.api.patientApi.subscribeToPatientEvents(['CREATE'], undefined, witness.push))
      const before = await doctor.api.patientApi.createOrModifyPatient(
        new Patient({ firstName: 'Before', lastName: 'Close' }),
      )
      await closedLog.next((p) => p.id === before.id, 'the patient created before close()')
      connection.close()
      expect(connection.connectionStatus).toBe('CLOSED')
      expect(closedCalls).toBe(1)
      const after = await doctor.api.patientApi.createOrModifyPatient(
        new Patient({ firstName: 'After', lastName: 'Close' }),
      )
      await witness.next(
        (p) => p.id === after.id,
        'the patient created after close(), on the other subscription',
      )
      expect(closedLog.items.map((p) => p.id)).not.toContain(after.id)
      expect(connection.connectionStatus).toBe('CLOSED')
    })

    it('a refused subscription rejects with the reason: bad filter (400), another data owner (403), bad arguments', async () => {
      const bad = await doctor.api.patientApi
        .subscribeToPatientEvents(
          ['CREATE'],
          {
            $type: 'PatientByHealthcarePartyDateOfBirthBetweenFilter',
            healthcarePartyId: doctor.dataOwnerId,
            minDateOfBirth: 'not a date',
          } as never,
          () => Promise.resolve(),
        )
        .catch((e: unknown) => e)
      expect(bad).toBeInstanceOf(SdkError)
      expect(bad).toMatchObject({ code: 'BAD_REQUEST', status: 400 })
      expect((bad as SdkError).message).toMatch(/^400 - The patient subscription was refused: .+/)

      const foreign = await new PatientFilter(doctor.api).forDataOwner(colleague.dataOwnerId).build()
      const forbidden = await doctor.api.patientApi
        .subscribeToPatientEvents(['CREATE'], foreign, () => Promise.resolve())
        .catch((e: unknown) => e)
      expect(forbidden).toBeInstanceOf(SdkError)
      expect(forbidden).toMatchObject({ code: 'FORBIDDEN', status: 403 })
      expect((forbidden as SdkError).message).toMatch(/^403 - The patient subscription was refused: .+/)

      const noTypes = await doctor.api.patientApi
        .subscribeToPatientEvents([], undefined, () => Promise.resolve())
        .catch((e: unknown) => e)
      expect(noTypes).toMatchObject({ code: 'BAD_REQUEST', status: 0 })
      expect((noTypes as SdkError).message).toMatch(
        /eventTypes must list one or more of CREATE, UPDATE, DELETE/,
      )
      const unknownFilter = await doctor.api.patientApi
        .subscribeToPatientEvents(['CREATE'], { $type: 'UserByIdsFilter', ids: [] } as never, () =>
          Promise.resolve(),
        )
        .catch((e: unknown) => e)
      expect(unknownFilter).toMatchObject({ code: 'BAD_REQUEST', message: 'No mapper for UserByIdsFilter' })
    })

    it("an error in the app's callback goes to onError and later events still arrive", async () => {
      const log = new EventLog<Patient>()
      let calls = 0
      const connection = track(
        await doctor.api.patientApi.subscribeToPatientEvents(['CREATE'], undefined, async (p) => {
          calls++
          if (calls === 1) throw new Error('the app failed on the first event')
          await log.push(p)
        }),
      )
      log.watch(connection)
      await doctor.api.patientApi.createOrModifyPatient(
        new Patient({ firstName: 'First', lastName: 'Fails' }),
      )
      const second = await doctor.api.patientApi.createOrModifyPatient(
        new Patient({ firstName: 'Second', lastName: 'Works' }),
      )
      await log.next((p) => p.id === second.id, 'the second patient')
      expect(log.errors.map((e) => e.message)).toEqual(['the app failed on the first event'])
      expect(connection.connectionStatus).toBe('CONNECTED')
    })
  })
}
