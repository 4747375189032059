import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Patient, type Connection } from '@cairn/sdk'
import { BACKENDS } from '../support/backends.ts'
import { disposeServer, startServer, type ServerProcess } from '../support/server-process.ts'
import { newHcp, type Actor } from '../support/actors.ts'
import { EventLog, eventually } from './realtime-support.ts'

/**
 * A subscription outlives its access token: the server closes the socket with 4401 when the token
 * expires (here after 3 s, CAIRN_ACCESS_TOKEN_TTL), and the SDK refreshes the token through the
 * session's refresh token before reconnecting, then goes on from its cursor; on each storage backend.
 */
const TOKEN_TTL_SECONDS = 3

for (const backend of BACKENDS) {
  describe.skipIf(!backend.enabled)(`realtime subscription and token expiry (${backend.name})`, () => {
    let server: ServerProcess
    let doctor: Actor
    let connection: Connection | undefined

    beforeAll(async () => {
      server = await startServer({
        databaseUrl: backend.databaseUrl,
        env: { CAIRN_ACCESS_TOKEN_TTL: String(TOKEN_TTL_SECONDS) },
      })
      doctor = await newHcp(server, 'expiry')
    })

    afterAll(async () => {
      connection?.close()
      await disposeServer(server)
    })

    it('reconnects with a refreshed token after 4401 and keeps delivering, each event once', async () => {
      const log = new EventLog<Patient>()
      let connected = 0
      connection = await doctor.api.patientApi.subscribeToPatientEvents(['CREATE'], undefined, log.push, {
        connectionRetryIntervalMs: 100,
      })
      log.watch(connection).onConnected(() => connected++)
      const before = await doctor.api.patientApi.createOrModifyPatient(
        new Patient({ firstName: 'Before', lastName: 'Expiry' }),
      )
      await log.next((p) => p.id === before.id, 'the patient before the expiry')

      await eventually(
        () => log.errors.some((e) => /close code 4401/.test(e.message)) && connected >= 1,
        'the 4401 close and the reconnection',
        (TOKEN_TTL_SECONDS + 10) * 1000,
      )
      const after = await doctor.api.patientApi.createOrModifyPatient(
        new Patient({ firstName: 'After', lastName: 'Expiry' }),
      )
      await log.next((p) => p.id === after.id, 'the patient after the reconnection')
      expect(connection.connectionStatus).toBe('CONNECTED')
      expect(log.items.map((p) => p.id)).toEqual([before.id, after.id])
      // Only losses were reported: no refusal ended it.
      expect(log.errors.every((e) => /subscription was lost/.test(e.message))).toBe(true)
    })
  })
}
