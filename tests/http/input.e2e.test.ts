import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect } from 'node:net'
import { request as httpRequest } from 'node:http'
import {
  DEFAULT_BODY_LIMIT,
  MAX_DELEGATES,
  MAX_ENCRYPTED_SELF_LENGTH,
  MAX_EXCHANGE_KEY_RECIPIENTS,
  type EncryptedEntityDto,
} from '@cairn/protocol'
import { BACKENDS } from '../support/backends.ts'
import { disposeServer, startServer, type ServerProcess } from '../support/server-process.ts'
import { newHcp } from '../support/actors.ts'
import { client, emptyMeta, expectError, uuid, type Answer, type Client } from '../access/http.ts'

/**
 * Input the databases cannot take or that costs the server work per element, refused with a 400 (or
 * a 413 for what is too large) in the API's error shape before any query runs, on each backend: NUL
 * characters (PostgreSQL refuses them in text: they were a 500, even through the unauthenticated
 * login), bytes that are not UTF-8, broken percent-escapes, unbounded maps, and entities over the
 * size limits.
 */

const R = '/rest/v1'
const JSON_HEADERS = { 'content-type': 'application/json' }

/** Sends raw bytes as one HTTP/1.1 request and returns the status line and the body. */
function rawRequest(url: string, head: Buffer): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(head))
    let out = ''
    socket.on('data', (d: Buffer) => (out += d.toString('latin1')))
    socket.on('error', reject)
    socket.on('close', () => {
      const [headers, body = ''] = out.split('\r\n\r\n')
      resolve({ status: Number(headers.split(' ')[1]), body })
    })
  })
}

/**
 * POSTs a chunked body (no content-length: the server learns the size as it reads) of `bytes` bytes
 * and waits for the answer without ending the body: the server must answer as soon as it has read
 * more than its limit, not wait for the end.
 */
function chunkedPost(url: string, token: string, bytes: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, {
      method: 'POST',
      headers: { ...JSON_HEADERS, authorization: `Bearer ${token}`, 'transfer-encoding': 'chunked' },
      timeout: 20_000,
    })
    req.on('response', (res) => {
      let body = ''
      res.on('data', (d: Buffer) => (body += d.toString()))
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body })
        req.destroy()
      })
    })
    req.on('timeout', () => req.destroy(new Error('no answer to an oversize chunked body')))
    req.on('error', reject)
    req.write(`{"pad":"${'a'.repeat(bytes)}`)
  })
}

for (const backend of BACKENDS) {
  describe.skipIf(!backend.enabled)(`input refused before any query (${backend.name})`, () => {
    let server: ServerProcess
    let http: Client
    let token: string
    let me: string

    /** A valid new entity of the logged-in professional (a delegation to itself). */
    const newDoc = (extra: Record<string, unknown> = {}): EncryptedEntityDto => {
      const meta = emptyMeta()
      meta.delegations[me] = [{ owner: me, delegatedTo: me, key: 'a2V5' }]
      return { id: uuid(), systemMetaData: meta, ...extra }
    }
    const raw = (method: string, path: string, body: Buffer) =>
      fetch(server.url + path, {
        method,
        headers: { ...JSON_HEADERS, authorization: `Bearer ${token}` },
        body: new Uint8Array(body),
      }).then(async (res): Promise<Answer> => {
        const text = await res.text()
        return {
          status: res.status,
          contentType: res.headers.get('content-type') ?? '',
          text,
          body: JSON.parse(text),
        }
      })
    const expect400 = (a: Answer, message: RegExp | string) => expectError(a, 400, 'BAD_REQUEST', message)
    const NUL = /holds a NUL character/

    beforeAll(async () => {
      server = await startServer({ databaseUrl: backend.databaseUrl })
      http = client(server.url)
      const hcp = await newHcp(server, 'input')
      me = hcp.dataOwnerId
      token = (await http.login(hcp.login, hcp.password)).token
    })
    afterAll(() => disposeServer(server))

    it('refuses a NUL in the login, the unauthenticated route (was a 500 on PostgreSQL)', async () => {
      expect400(await http.post(`${R}/auth/login`, { username: 'admin\u0000', password: 'x' }), NUL)
      expect400(await http.post(`${R}/auth/login`, { username: 'admin', password: 'pw\u0000' }), NUL)
      expect400(await http.post(`${R}/auth/login`, { username: '\u0000', password: '\u0000' }), NUL)
    })

    it('refuses a NUL in ids, filter values, map keys and clear fields', async () => {
      const filter = (values: Record<string, unknown>) => ({
        filter: {
          $type: 'DataSampleByHealthcarePartyPatientFilter',
          patientSecretForeignKeys: ['s'],
          ...values,
        },
      })
      expect400(
        await http.post(`${R}/datasample/filter`, filter({ patientSecretForeignKeys: ['a\u0000b'] }), token),
        NUL,
      )
      expect400(
        await http.post(
          `${R}/patient/filter`,
          { filter: { $type: 'PatientByIdsFilter', ids: ['\u0000'] } },
          token,
        ),
        NUL,
      )
      const keyWithNul = newDoc()
      keyWithNul.systemMetaData.delegations[`${me}\u0000`] = [
        { owner: me, delegatedTo: `${me}\u0000`, key: 'k' },
      ]
      expect400(await http.post(`${R}/patient`, keyWithNul, token), NUL)
      expect400(await http.post(`${R}/patient`, newDoc({ firstName: 'a\u0000' }), token), NUL)
      expect400(await http.post(`${R}/patient`, newDoc({ ['field\u0000']: 1 }), token), NUL)
    })

    it('refuses a NUL escaped in the URL, in the path and in the query string', async () => {
      for (const path of [`${R}/patient/%00`, `${R}/patient/${uuid()}%00`, `${R}/user/%00`, `${R}/nope%00`]) {
        expect400(await http.get(path, token), 'Invalid URL: it holds a NUL character (%00)')
      }
      expect400(
        await http.call('POST', `${R}/datasample/filter?startDocumentId=%00`, { token, json: {} }),
        /NUL character/,
      )
      // Before authentication: no token needed to be told.
      expect400(await http.post(`${R}/auth/login?x=%00`, { username: 'a', password: 'b' }), /NUL/)
    })

    it('accepts the text "\\u0000" (an escaped backslash, then u0000) and stores it as sent', async () => {
      const doc = newDoc({ firstName: '\\u0000', note: 'C:\\\\u0000\\' })
      expect(JSON.stringify(doc)).toContain('\\\\u0000')
      const created = await http.post<EncryptedEntityDto>(`${R}/patient`, doc, token)
      expect(created.status, created.text).toBe(200)
      const read = await http.get<EncryptedEntityDto>(`${R}/patient/${doc.id}`, token)
      expect(read.body).toMatchObject({ firstName: '\\u0000', note: 'C:\\\\u0000\\' })
    })

    it('refuses bodies that are not UTF-8, instead of storing replacement characters', async () => {
      const login = Buffer.concat([
        Buffer.from('{"username":"adm'),
        Buffer.from([0xff, 0xfe]),
        Buffer.from('in","password":"x"}'),
      ])
      expect400(await raw('POST', `${R}/auth/login`, login), 'Invalid body: the JSON text is not valid UTF-8')
      const entity = Buffer.from(
        JSON.stringify(newDoc({ firstName: 'XX' })).replace('"XX"', '"\u00ff\u00ff"'),
        'latin1',
      )
      expect400(await raw('POST', `${R}/patient`, entity), /not valid UTF-8/)
      // A truncated multi-byte sequence (é is C3 A9).
      const truncated = Buffer.concat([
        Buffer.from('{"username":"'),
        Buffer.from([0xc3]),
        Buffer.from('","password":"x"}'),
      ])
      expect400(await raw('POST', `${R}/auth/login`, truncated), /not valid UTF-8/)
      // Valid UTF-8 beyond ASCII is fine.
      const ok = await raw(
        'POST',
        `${R}/patient`,
        Buffer.from(JSON.stringify(newDoc({ firstName: 'Zoë 🙂' }))),
      )
      expect(ok.status, ok.text).toBe(200)
    })

    it('refuses percent-escapes that do not decode to UTF-8, in the path and in the query string', async () => {
      const broken = /does not decode to UTF-8/
      for (const path of [
        `${R}/patient/%C3%28`,
        `${R}/patient/%FF`,
        `${R}/hcparty/%E2%82`,
        `${R}/nope/%zz`,
      ]) {
        expect400(await http.get(path, token), broken)
      }
      expect400(
        await http.call('POST', `${R}/datasample/filter?startDocumentId=%C3%28`, { token, json: {} }),
        broken,
      )
      expect400(await http.post(`${R}/auth/login?q=%`, { username: 'a', password: 'b' }), broken)
    })

    it('answers raw bytes beyond ASCII in the URL in the API error shape', async () => {
      for (const bytes of [
        [0xff, 0xfe],
        [0xc3, 0xa9],
      ]) {
        const head = Buffer.concat([
          Buffer.from(`GET ${R}/patient/`),
          Buffer.from(bytes),
          Buffer.from(' HTTP/1.1\r\nHost: cairn\r\nConnection: close\r\n\r\n'),
        ])
        const answer = await rawRequest(server.url, head)
        expect(answer.status).toBe(400)
        expect(JSON.parse(answer.body)).toEqual({
          error: {
            code: 'BAD_REQUEST',
            message: expect.stringMatching(/^Invalid URL: .*percent-encoded/) as unknown,
          },
        })
      }
    })

    it('bounds every map: delegates, their ids, seal proofs, exchange-key entries, sharing kinds', async () => {
      const crowded = newDoc()
      for (let i = 0; i < MAX_DELEGATES; i++) {
        const d = `d${i}`
        crowded.systemMetaData.encryptionKeys[d] = [{ owner: me, delegatedTo: d, key: 'k' }]
      }
      crowded.systemMetaData.encryptionKeys.extra = [{ owner: me, delegatedTo: 'extra', key: 'k' }]
      expect400(
        await http.post(`${R}/patient`, crowded, token),
        `body/systemMetaData/encryptionKeys must NOT have more than ${MAX_DELEGATES} properties`,
      )
      const longKey = newDoc()
      longKey.systemMetaData.cryptedForeignKeys['x'.repeat(201)] = []
      expect400(
        await http.post(`${R}/patient`, longKey, token),
        /cryptedForeignKeys must NOT have more than 200 characters, .*property name must be valid/,
      )
      const proofs = Object.fromEntries(Array.from({ length: MAX_DELEGATES + 1 }, (_, i) => [`p${i}`, 'x']))
      const sealed = newDoc()
      sealed.systemMetaData.seal = {
        v: 2,
        seq: 1,
        creator: me,
        writer: me,
        commitment: 'c',
        tag: 't',
        proofs,
      }
      expect400(
        await http.post(`${R}/patient`, sealed, token),
        `must NOT have more than ${MAX_DELEGATES} properties`,
      )
      const encryptedKey = Object.fromEntries(
        Array.from({ length: MAX_EXCHANGE_KEY_RECIPIENTS + 1 }, (_, i) => [`f${i}`, 'k']),
      )
      expect400(
        await http.post(
          `${R}/exchangekey`,
          {
            id: uuid(),
            delegator: me,
            delegate: uuid(),
            encryptedKey,
            signature: 's',
            signerFingerprint: 'f',
          },
          token,
        ),
        `body/encryptedKey must NOT have more than ${MAX_EXCHANGE_KEY_RECIPIENTS} properties`,
      )
      const kinds = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`kind${i}`, []]))
      expect400(
        await http.put(`${R}/user`, { id: uuid(), rev: '1-a', sharingDataWith: kinds }, token),
        /body\/sharingDataWith must NOT have more than 8 properties/,
      )
    })

    it(`answers 413 stating the limit for an entity whose encryptedSelf is over ${MAX_ENCRYPTED_SELF_LENGTH} characters`, async () => {
      const big = (): EncryptedEntityDto => {
        const doc = newDoc()
        doc.systemMetaData.encryptedSelf = 'A'.repeat(MAX_ENCRYPTED_SELF_LENGTH + 1)
        return doc
      }
      const limit = `longer than the limit of ${MAX_ENCRYPTED_SELF_LENGTH} characters`
      expectError(await http.post(`${R}/patient`, big(), token), 413, 'PAYLOAD_TOO_LARGE', limit)
      const batch = await http.post(`${R}/datasample/batch`, [newDoc(), big()], token)
      expectError(batch, 413, 'PAYLOAD_TOO_LARGE', limit)
      expect((batch.body as { error: { message: string } }).error.message).toContain('(entry 1 of the batch)')
      // Exactly at the limit is accepted.
      const atLimit = newDoc()
      atLimit.systemMetaData.encryptedSelf = 'A'.repeat(MAX_ENCRYPTED_SELF_LENGTH)
      const ok = await http.post(`${R}/patient`, atLimit, token)
      expect(ok.status, ok.text).toBe(200)
    })

    it('answers 413 stating the limit for a body over the limit sent without a content-length', async () => {
      const answer = await chunkedPost(`${server.url}${R}/patient`, token, DEFAULT_BODY_LIMIT + 1)
      expect(answer.status).toBe(413)
      expect(JSON.parse(answer.body)).toEqual({
        error: {
          code: 'PAYLOAD_TOO_LARGE',
          message: expect.stringContaining(`larger than the limit of ${DEFAULT_BODY_LIMIT} bytes`) as unknown,
        },
      })
    })

    it('never answered 500, and still works', async () => {
      const a = await http.post(`${R}/patient`, newDoc(), token)
      expect(a.status, a.text).toBe(200)
      expect(server.output()).not.toMatch(/"statusCode":5\d\d/)
      expect(server.output()).not.toMatch(/unhandled error/)
    })
  })
}
