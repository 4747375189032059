import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { EncryptedEntityDto, ErrorBody, ExchangeKeyDto } from '@cairn/protocol'
import { BACKENDS } from '../support/backends.ts'
import { disposeServer, startServer, type ServerProcess } from '../support/server-process.ts'
import { newHcp } from '../support/actors.ts'
import { client, emptyMeta, expectError, uuid, type Answer, type Client } from '../access/http.ts'

/**
 * No existence oracles (docs/compatibility.md): an entity the caller may not read and one that does
 * not exist get the same answer, a 404 whose message names only what was asked for, on every route
 * that takes an id (get, modify, share, batches, exchange-key recipients). Holding an id must not
 * tell whether it exists. Users that are no data owner get the same 403 for both.
 */

const R = '/rest/v1'
const TYPES = [
  { path: 'patient', type: 'patient' },
  { path: 'datasample', type: 'dataSample' },
  { path: 'helement', type: 'healthcareElement' },
]

/** The answer with the id it names replaced, so that two answers about two ids can be compared. */
function shape(a: Answer, id: string): { status: number; body: string } {
  return { status: a.status, body: a.text.replaceAll(id, '<id>') }
}

for (const backend of BACKENDS) {
  describe.skipIf(!backend.enabled)(`no existence oracles (${backend.name})`, () => {
    let server: ServerProcess
    let http: Client
    const tok = { a: '', b: '', admin: '' }
    let a = ''
    /** One entity of each type that only `a` may read, as `a` reads it. */
    const own: Record<string, EncryptedEntityDto> = {}

    const newDoc = (owner: string): EncryptedEntityDto => {
      const meta = emptyMeta()
      meta.delegations[owner] = [{ owner, delegatedTo: owner, key: 'a2V5' }]
      return { id: uuid(), note: 'private', systemMetaData: meta }
    }

    beforeAll(async () => {
      server = await startServer({ databaseUrl: backend.databaseUrl })
      http = client(server.url)
      const [hcpA, hcpB] = [await newHcp(server, 'owner'), await newHcp(server, 'prober')]
      a = hcpA.dataOwnerId
      tok.a = (await http.login(hcpA.login, hcpA.password)).token
      tok.b = (await http.login(hcpB.login, hcpB.password)).token
      tok.admin = (await http.login(server.adminLogin, server.adminPassword)).token
      for (const { path } of TYPES) {
        const created = await http.post<EncryptedEntityDto>(`${R}/${path}`, newDoc(a), tok.a)
        expect(created.status, created.text).toBe(200)
        own[path] = created.body
      }
    })
    afterAll(() => disposeServer(server))

    it('answers GET of an entity the caller may not read exactly like GET of an unknown id', async () => {
      for (const { path, type } of TYPES) {
        const existing = own[path].id
        const unknown = uuid()
        const hidden = await http.get(`${R}/${path}/${existing}`, tok.b)
        const missing = await http.get(`${R}/${path}/${unknown}`, tok.b)
        expectError(hidden, 404, 'NOT_FOUND', `${type} ${existing} not found`)
        expectError(missing, 404, 'NOT_FOUND', `${type} ${unknown} not found`)
        expect(shape(hidden, existing)).toEqual(shape(missing, unknown))
        // Its owner still reads it.
        expect((await http.get(`${R}/${path}/${existing}`, tok.a)).status).toBe(200)
      }
    })

    it('answers a modify or a share of an entity the caller may not read like one of an unknown id, current rev or not', async () => {
      for (const { path, type } of TYPES) {
        const stored = own[path]
        const unknown = { ...stored, id: uuid() }
        // A share: the prober adds a delegation to itself.
        const shared = structuredClone(stored)
        shared.systemMetaData.delegations[uuid()] = []
        const attempts: [EncryptedEntityDto, string][] = [
          [{ ...stored, note: 'changed' }, 'current rev'],
          [{ ...stored, rev: '1-00000000000000000000000000000000', note: 'changed' }, 'stale rev'],
          [shared, 'share'],
        ]
        for (const [doc, what] of attempts) {
          const hidden = await http.put(`${R}/${path}`, doc, tok.b)
          const missing = await http.put(`${R}/${path}`, { ...doc, id: unknown.id }, tok.b)
          expectError(hidden, 404, 'NOT_FOUND', `${type} ${stored.id} not found`)
          expect(shape(hidden, stored.id), what).toEqual(shape(missing, unknown.id))
          const batch = await http.put(`${R}/${path}/batch`, [doc], tok.b)
          const missingBatch = await http.put(`${R}/${path}/batch`, [{ ...doc, id: unknown.id }], tok.b)
          expect(shape(batch, stored.id), what).toEqual(shape(missingBatch, unknown.id))
          expect(batch.status).toBe(404)
        }
        // Nothing changed.
        expect((await http.get<EncryptedEntityDto>(`${R}/${path}/${stored.id}`, tok.a)).body).toEqual(stored)
      }
    })

    it('keeps the order for a reader: a stale rev is a 409, then the write rules a 403', async () => {
      const stored = own.patient
      const stale = await http.put(
        `${R}/patient`,
        { ...stored, rev: '1-00000000000000000000000000000000' },
        tok.a,
      )
      expectError(stale, 409, 'CONFLICT', /stale/)
      const onBehalf = structuredClone(stored)
      const other = uuid()
      onBehalf.systemMetaData.delegations[other] = [{ owner: other, delegatedTo: other, key: 'k' }]
      expectError(await http.put(`${R}/patient`, onBehalf, tok.a), 403, 'FORBIDDEN', /on behalf of/)
    })

    it('answers new recipients for an exchange key of another pair like an unknown key', async () => {
      const record = {
        id: uuid(),
        delegator: a,
        delegate: uuid(),
        encryptedKey: { f1: 'a2V5' },
        signature: 'c2ln',
        signerFingerprint: 'f1',
      }
      const created = await http.post<ExchangeKeyDto>(`${R}/exchangekey`, record, tok.a)
      expect(created.status, created.text).toBe(200)
      const body = { encryptedKey: { f2: 'a2V5' } }
      const unknown = uuid()
      const hidden = await http.put(`${R}/exchangekey/${record.id}/recipients`, body, tok.b)
      const missing = await http.put(`${R}/exchangekey/${unknown}/recipients`, body, tok.b)
      expectError(hidden, 404, 'NOT_FOUND', `Exchange key ${record.id} not found`)
      expect(shape(hidden, record.id)).toEqual(shape(missing, unknown))
      const added = await http.put<ExchangeKeyDto>(`${R}/exchangekey/${record.id}/recipients`, body, tok.a)
      expect(added.status, added.text).toBe(200)
    })

    it('answers a user that is no data owner the same 403, whether the entity exists or not', async () => {
      const existing = own.patient.id
      const unknown = uuid()
      const hidden = await http.get(`${R}/patient/${existing}`, tok.admin)
      const missing = await http.get(`${R}/patient/${unknown}`, tok.admin)
      expectError(hidden, 403, 'FORBIDDEN', /not a data owner/)
      expect(hidden.text).toBe(missing.text)
      const modify = await http.put(`${R}/patient`, own.patient, tok.admin)
      const modifyMissing = await http.put(`${R}/patient`, { ...own.patient, id: unknown }, tok.admin)
      expect(modify.status).toBe(403)
      expect(modify.text).toBe(modifyMissing.text)
      expect((hidden.body as ErrorBody).error.message).not.toContain(existing)
    })
  })
}
