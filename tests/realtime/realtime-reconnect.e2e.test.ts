import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Patient, type Connection, type MedTechApi } from '@cairn/sdk'
import { BACKENDS } from '../support/backends.ts'
import { disposeServer, startServer, type ServerProcess } from '../support/server-process.ts'
import { login } from '../support/actors.ts'
import { TcpProxy } from '../support/tcp-proxy.ts'
import { createKeyedHcp, EventLog, eventually, type KeyedHcp } from './realtime-support.ts'

/**
 * Reconnection of realtime subscriptions against a real server process, on each storage backend:
 * the subscriber reaches the server through a TCP proxy (tests/support/tcp-proxy.ts) that the test
 * cuts (connections reset and refused) or silences (bytes held, nothing answers), while a second API
 * of the same doctor writes straight to the server. The missed events must arrive once each, in order,
 * after the network is back; a silent connection is detected by the keep-alive timeout; the
 * retry budget ends a subscription that cannot reconnect. On PostgreSQL, two server processes share
 * one database: an event written through one reaches a subscription on the other.
 */

/** The server's ping interval here (ms): short, so that the keep-alive test is quick. */
const PING_MS = 300
const ALL = ['CREATE', 'UPDATE', 'DELETE'] as ('CREATE' | 'UPDATE' | 'DELETE')[]

for (const backend of BACKENDS) {
  describe.skipIf(!backend.enabled)(`realtime reconnection (${backend.name})`, () => {
    let server: ServerProcess
    let proxy: TcpProxy
    let hcp: KeyedHcp
    /** The doctor's API straight to the server: it writes. */
    let writer: MedTechApi
    /** The doctor's API through the proxy: it subscribes. */
    let subscriber: MedTechApi
    const open: Connection[] = []

    beforeAll(async () => {
      server = await startServer({
        databaseUrl: backend.databaseUrl,
        env: { CAIRN_REALTIME_PING_MS: String(PING_MS) },
      })
      const port = Number(new URL(server.url).port)
      proxy = await TcpProxy.start({ host: '127.0.0.1', port })
      hcp = await createKeyedHcp(server, 'reconnect')
      writer = await login(server, hcp.login, hcp.password, [hcp.keyPair])
      subscriber = await login(
        { ...server, url: `http://127.0.0.1:${proxy.port}` },
        hcp.login,
        hcp.password,
        [hcp.keyPair],
      )
    })

    afterAll(async () => {
      for (const c of open) c.close()
      await proxy?.close()
      await disposeServer(server)
    })

    const newPatient = (firstName: string) =>
      writer.patientApi.createOrModifyPatient(
        new Patient({ firstName, lastName: 'Reconnect', note: firstName }),
      )

    it('replays what was written while the connection was cut: once each, in order', async () => {
      const log = new EventLog<Patient>()
      let connected = 0
      const connection = await subscriber.patientApi.subscribeToPatientEvents(ALL, undefined, log.push, {
        connectionRetryIntervalMs: 100,
        connectionMaxRetry: 1000,
      })
      open.push(connection)
      log.watch(connection).onConnected(() => connected++)

      const p1 = await newPatient('one')
      await log.next((p) => p.id === p1.id, 'the first patient')
      proxy.refuse()
      await eventually(
        () => connection.connectionStatus !== 'CONNECTED',
        'the subscription to notice the cut',
      )
      const cursorAtCut = connection.cursor!

      const p2 = await newPatient('two')
      const p3 = await newPatient('three')
      const p2b = await writer.patientApi.createOrModifyPatient(new Patient({ ...p2, note: 'two, modified' }))
      proxy.restore()
      await log.until((items) => items.some((p) => p.rev === p2b.rev), 'the replayed modification')
      // The replay comes before `subscribed`: live again once it was handed over.
      await eventually(() => connected >= 1, 'onConnected after the replay')
      expect(connection.connectionStatus).toBe('CONNECTED')
      expect(BigInt(connection.cursor!)).toBeGreaterThan(BigInt(cursorAtCut))

      // A live event after the replay: once it is here, anything replayed twice would be here too.
      const p4 = await newPatient('four')
      await log.next((p) => p.id === p4.id, 'the patient created after the reconnection')
      expect(log.items.map((p) => p.id)).toEqual([p1.id, p2.id, p3.id, p2.id, p4.id])
      // Replayed events carry the record as it is now: the creation of p2 shows its modification.
      expect(log.items[3]).toMatchObject({ rev: p2b.rev, note: 'two, modified' })
      expect(log.items[2]).toMatchObject({ id: p3.id, note: 'three' })
      expect(log.errors.some((e) => /subscription was lost/.test(e.message))).toBe(true)
      connection.close()
    })

    it('a silent connection is dropped after pingTimeoutMs and what was missed is replayed', async () => {
      const log = new EventLog<Patient>()
      const connection = await subscriber.patientApi.subscribeToPatientEvents(
        ['CREATE'],
        undefined,
        log.push,
        {
          connectionRetryIntervalMs: 100,
          connectionMaxRetry: 1000,
          pingTimeoutMs: PING_MS * 3,
        },
      )
      open.push(connection)
      log.watch(connection)
      const before = await newPatient('before silence')
      await log.next((p) => p.id === before.id, 'the patient before the silence')

      proxy.silence()
      await log.until(
        () => log.errors.some((e) => /close code 4408: no message from the server/.test(e.message)),
        'the keep-alive timeout',
      )
      const during = await newPatient('during silence')
      proxy.restore()
      await log.next((p) => p.id === during.id, 'the patient created while silent')
      const after = await newPatient('after silence')
      await log.next((p) => p.id === after.id, 'the patient created after the silence')
      expect(log.items.map((p) => p.id)).toEqual([before.id, during.id, after.id])
      connection.close()
    })

    it('gives up after connectionMaxRetry failed reconnections, with the error and status ERROR', async () => {
      const log = new EventLog<Patient>()
      let closed = 0
      const connection = await subscriber.patientApi.subscribeToPatientEvents(
        ['CREATE'],
        undefined,
        log.push,
        {
          connectionRetryIntervalMs: 50,
          connectionMaxRetry: 2,
        },
      )
      open.push(connection)
      log.watch(connection).onClosed(() => closed++)
      proxy.refuse()
      try {
        await log.until(
          () => log.errors.some((e) => /gave up after 2 reconnection attempts/.test(e.message)),
          'the subscription to give up',
        )
      } finally {
        proxy.restore()
      }
      expect(connection.connectionStatus).toBe('ERROR')
      // The lost connection and its two failed reconnections.
      expect(closed).toBe(3)
      const later = await newPatient('after giving up')
      // A subscription that is still live proves the event was sent; the one that gave up stays silent.
      const witness = new EventLog<Patient>()
      const live = await writer.patientApi.subscribeToPatientEvents(['CREATE'], undefined, witness.push)
      open.push(live)
      const marker = await newPatient('marker')
      await witness.next((p) => p.id === marker.id, 'the marker')
      expect(log.items.map((p) => p.id)).not.toContain(later.id)
    })

    // Only on PostgreSQL (one SQLite file is one instance): not registered at all on SQLite.
    if (backend.databaseUrl)
      it('two server processes on one PostgreSQL database: written through one, received through the other', async () => {
        // The same data dir: its signing secret (instances of one database must share it).
        const second = await startServer({
          databaseUrl: backend.databaseUrl,
          pgSchema: server.pgSchema,
          dataDir: server.dataDir,
        })
        try {
          const elsewhere = await login(second, hcp.login, hcp.password, [hcp.keyPair])
          const log = new EventLog<Patient>()
          const connection = await writer.patientApi.subscribeToPatientEvents(ALL, undefined, log.push)
          open.push(connection)
          log.watch(connection)
          const created = await elsewhere.patientApi.createOrModifyPatient(
            new Patient({ firstName: 'Other', lastName: 'Instance', note: 'written on the second server' }),
          )
          const received = await log.next(
            (p) => p.id === created.id,
            'the patient written on the other instance',
          )
          expect(received.note).toBe('written on the second server')
          // And the other way round: a subscription on the second instance hears the first.
          const back = new EventLog<Patient>()
          const backConnection = await elsewhere.patientApi.subscribeToPatientEvents(
            ['CREATE'],
            undefined,
            back.push,
          )
          const fromFirst = await newPatient('from the first server')
          await back.next((p) => p.id === fromFirst.id, 'the patient written on the first instance')
          backConnection.close()
          expect(log.errors).toEqual([])
        } finally {
          // Stopped only: the schema is the first server's, dropped with it.
          await second.stop()
        }
      })
  })
}
