import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  Content,
  DataSample,
  MemoryStorage,
  Patient,
  SdkError,
  SimpleMedTechCryptoStrategies,
  medTechApi,
  type MedTechApi,
} from '@cairn/sdk'
import { deriveFromRecoverySecret, generateRecoveryCode, parseRecoveryCode } from '@cairn/crypto'
import { BACKENDS } from '../support/backends.ts'
import { disposeServer, startServer, type ServerProcess } from '../support/server-process.ts'
import { login, newHcp, newPatient, type Actor } from '../support/actors.ts'
import { ageSessions, rawSql, type RawSql } from '../accounts/accounts-support.ts'
import { client } from '../access/http.ts'

/**
 * Recovery keys end to end, on each storage backend (docs/protocol.md, "Recovery key"): a professional
 * and a patient with shared data each create one; a device with an empty key storage restores their
 * keys from the code alone (at build, or afterwards through cryptoApi) and reads the old data without
 * any new key being published; a mistyped code fails before any request; a wrong one is refused and
 * counted, then slowed down (429); only ciphertext reaches the database; nobody else reads, replaces
 * or deletes someone's recovery key; replacing and deleting need a recent login.
 */

const CODE_SHAPE = /^([0-9A-HJKMNP-TV-Z]{4}-){6}[0-9A-HJKMNP-TV-Z]{4}$/

/** The SdkError a call rejects with (the test fails if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<SdkError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(SdkError)
  return error as SdkError
}

const text = (value: string) => new DataSample({ content: { en: new Content({ stringValue: value }) } })

/** A builder for `actor` on a device whose key storage is empty. */
const freshDevice = (server: ServerProcess, actor: Actor) =>
  medTechApi()
    .withICureBaseUrl(server.url)
    .withUserName(actor.login)
    .withPassword(actor.password)
    .withStorage(new MemoryStorage())
    .withCryptoStrategies(new SimpleMedTechCryptoStrategies())

/** Runs `work` with console.warn captured; what it warned. */
async function warnings<T>(work: () => Promise<T>): Promise<{ result: T; warned: string[] }> {
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
  try {
    const result = await work()
    return { result, warned: warn.mock.calls.map((c) => c.map(String).join(' ')) }
  } finally {
    warn.mockRestore()
  }
}

/** The value a recovery code proves to the server for a data owner (as the SDK derives it). */
async function authValueOf(code: string, dataOwnerId: string): Promise<string> {
  return (await deriveFromRecoverySecret(await parseRecoveryCode(code), dataOwnerId)).authValue
}

/** A valid code (its check characters match) with one character changed: a typo. */
function mistyped(code: string): string {
  const i = 5
  return code.slice(0, i) + (code[i] === 'A' ? 'B' : 'A') + code.slice(i + 1)
}

for (const backend of BACKENDS) {
  describe.skipIf(!backend.enabled)(`recovery key (${backend.name})`, () => {
    let server: ServerProcess
    let sql: RawSql
    let hcp: Actor
    let other: Actor
    let patient: Actor
    let hcpCode: string
    let patientCode: string
    const ids: Record<'hcpOwn' | 'noted' | 'byDoctor' | 'mine', string> = {
      hcpOwn: '',
      noted: '',
      byDoctor: '',
      mine: '',
    }

    const failuresOf = async (dataOwnerId: string): Promise<number> => {
      const rows = await sql.query<{ failures: number }>(
        'select failures from login_failures where key = ?',
        [`recovery:owner:${dataOwnerId}`],
      )
      return rows.length === 0 ? 0 : Number(rows[0].failures)
    }
    const publishedCount = async (api: MedTechApi, id: string) =>
      (await api.dataOwnerApi.getFingerprints(id)).length

    beforeAll(async () => {
      server = await startServer({ databaseUrl: backend.databaseUrl })
      sql = await rawSql(server)
      ;[hcp, other] = await Promise.all([newHcp(server, 'recovers'), newHcp(server, 'colleague')])
      patient = await newPatient(server, hcp, 'Rory')
      // Data the professional alone holds, data it shares with the patient, and the patient's own.
      ids.hcpOwn = (
        await hcp.api.patientApi.createOrModifyPatient(
          new Patient({ firstName: 'Only', lastName: 'Doctor', note: 'the doctor alone knows' }),
        )
      ).id!
      const record = await hcp.api.patientApi.getPatient(patient.dataOwnerId)
      const noted = await hcp.api.patientApi.createOrModifyPatient(
        new Patient({ ...record, note: 'allergic to penicillin' }),
      )
      await hcp.api.patientApi.giveAccessTo(noted, patient.dataOwnerId)
      ids.noted = noted.id!
      const byDoctor = await hcp.api.dataSampleApi.createOrModifyDataSampleFor(
        patient.dataOwnerId,
        text('measured by the doctor'),
      )
      await hcp.api.dataSampleApi.giveAccessTo(byDoctor, patient.dataOwnerId)
      ids.byDoctor = byDoctor.id!
      ids.mine = (
        await patient.api.dataSampleApi.createOrModifyDataSampleFor(
          patient.dataOwnerId,
          text('written by the patient, shared with nobody'),
        )
      ).id!
    })
    afterAll(async () => {
      await sql?.close()
      await disposeServer(server)
    })

    it('a mistyped recovery key fails on the device, before any request', async () => {
      const typo = mistyped(await generateRecoveryCode())
      // Nothing listens on port 9: a request would be a NETWORK error, not this one.
      const e = await rejection(
        medTechApi()
          .withICureBaseUrl('http://127.0.0.1:9')
          .withUserName(hcp.login)
          .withPassword(hcp.password)
          .withCryptoStrategies(new SimpleMedTechCryptoStrategies())
          .withRecoveryKey(typo)
          .build(),
      )
      expect(e.code).toBe('BAD_REQUEST')
      expect(e.message).toMatch(/^This is not a valid recovery key: .*check the characters$/)
      for (const bad of [typo, 'ABCD-EFGH', 'UUUU-UUUU-UUUU-UUUU-UUUU-UUUU-UUUU']) {
        const local = await rejection(patient.api.cryptoApi.restoreFromRecoveryKey(bad))
        expect(local.code).toBe('BAD_REQUEST')
        expect(local.status).toBe(0)
        expect(local.message).toContain('This is not a valid recovery key')
      }
      expect(await failuresOf(patient.dataOwnerId)).toBe(0)
    })

    it('the professional creates a recovery key, shown once; only ciphertext and a hash reach the database', async () => {
      expect(await hcp.api.cryptoApi.hasRecoveryKey()).toBe(false)
      hcpCode = await hcp.api.cryptoApi.createRecoveryKey()
      expect(hcpCode).toMatch(CODE_SHAPE)
      const [fingerprint] = (await hcp.api.dataOwnerApi.getFingerprints(hcp.dataOwnerId)).map(
        (f) => f.fingerprint,
      )
      const status = await hcp.api.cryptoApi.getRecoveryKeyStatus()
      expect(status).toMatchObject({ exists: true, fingerprints: [fingerprint], missingFingerprints: [] })
      expect(Math.abs(status.created! - Date.now())).toBeLessThan(60_000)
      expect(await hcp.api.cryptoApi.hasRecoveryKey()).toBe(true)

      const rows = await sql.query<Record<string, unknown>>(
        'select * from recovery_keys where data_owner_id = ?',
        [hcp.dataOwnerId],
      )
      expect(rows).toHaveLength(1)
      const row = rows[0]
      const everything = JSON.stringify(row).toLowerCase()
      const blob = Buffer.from(String(row.blob), 'base64')
      const { privateKey } = (hcp.api.cryptoStrategies as SimpleMedTechCryptoStrategies).keyPairs[0]
      // Any 32-byte piece of the PKCS#8 past its common header: as hex text anywhere in the row, and in
      // the blob's bytes both as raw bytes and as the hex text a plaintext JSON would hold.
      for (let at = 80; at + 64 <= privateKey.length; at += 400) {
        const piece = privateKey.slice(at, at + 64).toLowerCase()
        expect(everything).not.toContain(piece)
        expect(blob.includes(Buffer.from(piece, 'hex'))).toBe(false)
        expect(blob.includes(Buffer.from(piece, 'utf8'))).toBe(false)
        expect(blob.includes(Buffer.from(piece.toUpperCase(), 'utf8'))).toBe(false)
      }
      expect(() => JSON.parse(blob.toString('utf8')) as unknown).toThrow()
      const authValue = await authValueOf(hcpCode, hcp.dataOwnerId)
      expect(everything).not.toContain(hcpCode.replaceAll('-', '').toLowerCase())
      expect(JSON.stringify(row)).not.toContain(authValue)
      expect(row.auth_hash).toBe(
        createHash('sha256').update(Buffer.from(authValue, 'base64url')).digest('hex'),
      )
      expect(Buffer.from(String(row.blob), 'base64')[0]).toBe(2)
    })

    it('an empty device restores the professional’s keys at build with withRecoveryKey and reads the old data; no key is published', async () => {
      const before = await publishedCount(hcp.api, hcp.dataOwnerId)
      // Typed carelessly: lower case, spaces for hyphens.
      const typed = hcpCode.toLowerCase().replaceAll('-', ' ')
      const { result: device, warned } = await warnings(() =>
        freshDevice(server, hcp).withRecoveryKey(typed).build(),
      )
      expect(warned.filter((w) => w.includes('NEW key pair'))).toEqual([])
      expect((await device.patientApi.getPatient(ids.hcpOwn)).note).toBe('the doctor alone knows')
      expect((await device.patientApi.getPatient(ids.noted)).note).toBe('allergic to penicillin')
      expect((await device.dataSampleApi.getDataSample(ids.byDoctor)).content?.en?.stringValue).toBe(
        'measured by the doctor',
      )
      expect(await publishedCount(device, hcp.dataOwnerId)).toBe(before)
      // Both devices hold the same keys: what one writes, the other reads.
      const written = await device.patientApi.createOrModifyPatient(
        new Patient({ firstName: 'From', lastName: 'Device2', note: 'written on the restored device' }),
      )
      expect((await hcp.api.patientApi.getPatient(written.id!)).note).toBe('written on the restored device')
      expect(await failuresOf(hcp.dataOwnerId)).toBe(0)
    })

    it('the patient restores on an empty device at build: its record, its own data and the doctor’s', async () => {
      patientCode = await patient.api.cryptoApi.createRecoveryKey()
      const before = await publishedCount(hcp.api, patient.dataOwnerId)
      const device = await freshDevice(server, patient).withRecoveryKey(patientCode).build()
      expect((await device.patientApi.getPatient(patient.dataOwnerId)).note).toBe('allergic to penicillin')
      expect((await device.dataSampleApi.getDataSample(ids.byDoctor)).content?.en?.stringValue).toBe(
        'measured by the doctor',
      )
      expect((await device.dataSampleApi.getDataSample(ids.mine)).content?.en?.stringValue).toBe(
        'written by the patient, shared with nobody',
      )
      expect(await publishedCount(hcp.api, patient.dataOwnerId)).toBe(before)
    })

    it('a second device restores after a lost-key build with cryptoApi.restoreFromRecoveryKey, without a rebuild', async () => {
      const { result: device } = await warnings(() => login(server, patient.login, patient.password))
      const [oldKey] = (await patient.api.dataOwnerApi.getFingerprints(patient.dataOwnerId)).map(
        (f) => f.fingerprint,
      )
      // Before: the patient's own data is withheld on this device (shared with a key it does not
      // hold), and marked so, not refused as tampered.
      const unreadable = await device.dataSampleApi.getDataSample(ids.mine)
      expect(unreadable.systemMetaData?.contentWithheld).toBe(true)
      expect(unreadable.content?.en).toBeUndefined()

      expect(await device.cryptoApi.restoreFromRecoveryKey(patientCode)).toEqual([oldKey])
      expect((await device.dataSampleApi.getDataSample(ids.mine)).content?.en?.stringValue).toBe(
        'written by the patient, shared with nobody',
      )
      expect((await device.patientApi.getPatient(patient.dataOwnerId)).note).toBe('allergic to penicillin')

      // The pair this device made on the lost-key path is vouched for by the restored key: the doctor
      // trusts it as after a rotation and shares new data with the patient without any question.
      await hcp.api.forceReload()
      const seen = await hcp.api.dataOwnerApi.getFingerprints(patient.dataOwnerId)
      expect(seen).toHaveLength(2)
      expect(seen.map((f) => f.status)).toEqual(['trusted', 'trusted'])
      const later = await hcp.api.dataSampleApi.createOrModifyDataSampleFor(
        patient.dataOwnerId,
        text('after the recovery'),
      )
      await hcp.api.dataSampleApi.giveAccessTo(later, patient.dataOwnerId)
      // The doctor made a new exchange key for both keys of the patient moments after the device last
      // fetched the doctor's (at its build): reload, as after any new share (MedTech forceReload).
      await device.forceReload()
      expect((await device.dataSampleApi.getDataSample(later.id!)).content?.en?.stringValue).toBe(
        'after the recovery',
      )

      // The recovery key does not cover the new pair: the status says so, and a new one covers both;
      // the old code then opens nothing.
      const newKey = seen.map((f) => f.fingerprint).find((fp) => fp !== oldKey)!
      expect((await device.cryptoApi.getRecoveryKeyStatus()).missingFingerprints).toEqual([newKey])
      patientCode = await device.cryptoApi.createRecoveryKey()
      const status = await device.cryptoApi.getRecoveryKeyStatus()
      expect(status.fingerprints.sort()).toEqual([oldKey, newKey].sort())
      expect(status.missingFingerprints).toEqual([])
    })

    it('a wrong recovery key (its check characters right) is refused with a clear error and counted', async () => {
      const wrong = await generateRecoveryCode()
      const e = await rejection(patient.api.cryptoApi.restoreFromRecoveryKey(wrong))
      expect(e.status).toBe(403)
      expect(e.message).toContain(`403 - Wrong recovery key for data owner ${patient.dataOwnerId}`)
      expect(await failuresOf(patient.dataOwnerId)).toBe(1)
      // At build too: the build fails rather than taking the lost-key path.
      const atBuild = await rejection(freshDevice(server, patient).withRecoveryKey(wrong).build())
      expect(atBuild.status).toBe(403)
      expect(await failuresOf(patient.dataOwnerId)).toBe(2)
      // The right one works, and forgets the failures.
      expect(await patient.api.cryptoApi.restoreFromRecoveryKey(patientCode)).toHaveLength(2)
      expect(await failuresOf(patient.dataOwnerId)).toBe(0)
    })

    it('repeated wrong recovery keys get 429 with Retry-After, even the right one, until the wait is over', async () => {
      const code = await other.api.cryptoApi.createRecoveryKey()
      for (let i = 1; i <= 5; i++) {
        const e = await rejection(other.api.cryptoApi.restoreFromRecoveryKey(await generateRecoveryCode()))
        expect(e.status).toBe(403)
      }
      const limited = await rejection(
        other.api.cryptoApi.restoreFromRecoveryKey(await generateRecoveryCode()),
      )
      expect(limited.status).toBe(429)
      expect(limited.code).toBe('RATE_LIMITED')
      expect(limited.message).toContain('Too many wrong recovery keys')
      expect(await failuresOf(other.dataOwnerId)).toBe(5)

      // Refused before it is checked: the right value gets the same 429, with Retry-After.
      const http = client(server.url)
      const { token } = await http.login(other.login, other.password)
      const res = await fetch(`${server.url}/rest/v1/recoverykey/${other.dataOwnerId}/open`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ authValue: await authValueOf(code, other.dataOwnerId) }),
      })
      expect(res.status).toBe(429)
      const retryAfter = Number(res.headers.get('retry-after'))
      expect(retryAfter).toBeGreaterThanOrEqual(1)
      expect(await failuresOf(other.dataOwnerId)).toBe(5)

      await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000 + 200))
      expect(await other.api.cryptoApi.restoreFromRecoveryKey(code)).toHaveLength(1)
      expect(await failuresOf(other.dataOwnerId)).toBe(0)
    })

    it('recovery data changed in the database (tampered, or another data owner’s) is refused, never restored', async () => {
      const code = await patient.api.cryptoApi.createRecoveryKey()
      const select = 'select blob, auth_hash from recovery_keys where data_owner_id = ?'
      const [own] = await sql.query<{ blob: string; auth_hash: string }>(select, [patient.dataOwnerId])
      const setBlob = (blob: string) =>
        sql.query('update recovery_keys set blob = ? where data_owner_id = ?', [blob, patient.dataOwnerId])
      // One bit of the ciphertext flipped: the server hands it out, the device refuses it.
      const bytes = Buffer.from(own.blob, 'base64')
      bytes[bytes.length - 30] ^= 1
      await setBlob(bytes.toString('base64'))
      const tampered = await rejection(patient.api.cryptoApi.restoreFromRecoveryKey(code))
      expect(tampered.code).toBe('INTEGRITY')
      expect(tampered.message).toContain('it was changed on the server')
      // Another data owner's recovery data under this one's hash: bound to its data owner, it does not open.
      await other.api.cryptoApi.createRecoveryKey()
      const [foreign] = await sql.query<{ blob: string }>(select, [other.dataOwnerId])
      await setBlob(foreign.blob)
      expect((await rejection(patient.api.cryptoApi.restoreFromRecoveryKey(code))).code).toBe('INTEGRITY')
      await setBlob(own.blob)
      expect(await patient.api.cryptoApi.restoreFromRecoveryKey(code)).toHaveLength(2)
      patientCode = code
    })

    it('nobody else reads, opens, replaces or deletes a data owner’s recovery key: not a colleague, not the patient, not the admin', async () => {
      const http = client(server.url)
      const path = `/rest/v1/recoverykey/${hcp.dataOwnerId}`
      const [before] = await sql.query<{ blob: string; auth_hash: string }>(
        'select blob, auth_hash from recovery_keys where data_owner_id = ?',
        [hcp.dataOwnerId],
      )
      const authValue = await authValueOf(hcpCode, hcp.dataOwnerId)
      const write = { authValue, blob: 'AgAAAA==', fingerprints: ['0'.repeat(32)] }
      for (const [who, username, password] of [
        ['colleague', other.login, other.password],
        ['patient', patient.login, patient.password],
        ['admin', server.adminLogin, server.adminPassword],
      ] as const) {
        const { token } = await http.login(username, password)
        const answers = [
          await http.get(path, token),
          await http.post(`${path}/open`, { authValue }, token),
          await http.put(path, write, token),
          await http.call('DELETE', path, { token }),
        ]
        for (const a of answers) {
          expect(a.status, `${who}: ${a.text}`).toBe(403)
          expect(a.body).toEqual({
            error: {
              code: 'FORBIDDEN',
              message: `Only data owner ${hcp.dataOwnerId} itself may use its recovery key`,
            },
          })
        }
      }
      const [after] = await sql.query<{ blob: string; auth_hash: string }>(
        'select blob, auth_hash from recovery_keys where data_owner_id = ?',
        [hcp.dataOwnerId],
      )
      expect(after).toEqual(before)
      expect(await failuresOf(hcp.dataOwnerId)).toBe(0)
    })

    it('replacing and deleting need a recent login (the SDK logs in again by itself); then the code opens nothing', async () => {
      const http = client(server.url)
      const { token } = await http.login(hcp.login, hcp.password)
      await ageSessions(sql, hcp.user.id!, 10)
      const path = `/rest/v1/recoverykey/${hcp.dataOwnerId}`
      const write = {
        authValue: await authValueOf(hcpCode, hcp.dataOwnerId),
        blob: 'AgAAAA==',
        fingerprints: ['0'.repeat(32)],
      }
      for (const a of [await http.put(path, write, token), await http.call('DELETE', path, { token })]) {
        expect(a.status, a.text).toBe(403)
        expect((a.body as { error: { code: string } }).error.code).toBe('REAUTHENTICATION_REQUIRED')
      }
      // Reading the status needs no recent login.
      expect((await http.get(path, token)).status).toBe(200)

      // Through the SDK, whose session is just as old: it logs in again and the new code replaces the old.
      const replaced = await hcp.api.cryptoApi.createRecoveryKey()
      expect(replaced).not.toBe(hcpCode)
      expect((await rejection(hcp.api.cryptoApi.restoreFromRecoveryKey(hcpCode))).status).toBe(403)
      expect(await hcp.api.cryptoApi.restoreFromRecoveryKey(replaced)).toHaveLength(1)

      await hcp.api.cryptoApi.deleteRecoveryKey()
      expect(await hcp.api.cryptoApi.hasRecoveryKey()).toBe(false)
      expect(
        await sql.query('select * from recovery_keys where data_owner_id = ?', [hcp.dataOwnerId]),
      ).toEqual([])
      const gone = await rejection(hcp.api.cryptoApi.restoreFromRecoveryKey(replaced))
      expect(gone.status).toBe(404)
      expect(gone.message).toContain(`Data owner ${hcp.dataOwnerId} has no recovery key`)
    })
  })
}
