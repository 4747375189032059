import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { request as httpRequest } from 'node:http'
import { startServer, disposeServer, type ServerProcess } from '../support/server-process.ts'
import type { DataOwnerDocDto, EncryptedEntityDto } from '@cairn/protocol'
import { DEFAULT_BODY_LIMIT, MAX_BATCH_SIZE, MAX_ENCRYPTED_SELF_LENGTH } from '@cairn/protocol'
import { client, emptyMeta, expectError, uuid, type Answer, type Client } from './http.ts'

/**
 * Malformed requests against one real server: each gets a 4xx with `{error: {code, message}}` whose
 * message names what is wrong, never a 500 and never a hang (every call has a timeout). The server
 * must still answer normally afterwards.
 */

const R = '/rest/v1'
const JSON_HEADERS = { 'content-type': 'application/json' }

/** The parts of the server's OpenAPI document that the tests read. */
interface OpenApiDocument {
  openapi: string
  info: unknown
  paths: Record<
    string,
    Record<string, { requestBody: { content: Record<string, { schema: unknown }> }; parameters: unknown[] }>
  >
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> }
}

describe('bad input (one real server)', () => {
  let server: ServerProcess
  let http: Client
  let token: string
  let me: string

  /** A valid new entity of the logged-in professional (delegation to itself). */
  const newDoc = (extra: Record<string, unknown> = {}) => {
    const meta = emptyMeta()
    meta.delegations[me] = [{ owner: me, delegatedTo: me, key: 'a2V5' }]
    return { id: uuid(), firstName: 'Valid', systemMetaData: meta, ...extra }
  }
  const withMeta = (meta: Record<string, unknown>) => {
    const doc = newDoc()
    Object.assign(doc.systemMetaData, meta)
    return doc
  }
  const filterBody = (extra: Record<string, unknown> = {}) => ({
    filter: { $type: 'DataSampleByHealthcarePartyPatientFilter', patientSecretForeignKeys: ['s'], ...extra },
  })
  const raw = (method: string, path: string, body: string, headers: Record<string, string> = JSON_HEADERS) =>
    http.call(method, path, { token, raw: body, headers })
  const expect400 = (a: Answer, message: RegExp | string) => expectError(a, 400, 'BAD_REQUEST', message)

  beforeAll(async () => {
    server = await startServer()
    http = client(server.url)
    // A professional made with raw HTTP (no key pair needed: the server never uses keys).
    const admin = (await http.login(server.adminLogin, server.adminPassword)).token
    const hcp = await http.post<DataOwnerDocDto>(
      `${R}/hcparty`,
      { id: uuid(), firstName: 'Bad', lastName: 'Input' },
      admin,
    )
    expect(hcp.status, hcp.text).toBe(200)
    me = hcp.body.id
    const login = `bad-input-${uuid()}@example.org`
    const user = await http.post(
      `${R}/user`,
      { id: uuid(), login, password: 'bad-input-pw', healthcarePartyId: me },
      admin,
    )
    expect(user.status, user.text).toBe(200)
    token = (await http.login(login, 'bad-input-pw')).token
  })

  afterAll(async () => {
    await disposeServer(server)
  })

  it('GET /health answers 200 {status: "ok"}', async () => {
    const a = await http.get('/health')
    expect(a.status).toBe(200)
    expect(a.body).toMatchObject({ status: 'ok' })
  })

  it('GET /openapi.json is an OpenAPI 3 document listing the /rest/v1 paths', async () => {
    const a = await http.get<OpenApiDocument>('/openapi.json')
    expect(a.status).toBe(200)
    expect(a.contentType).toMatch(/application\/json/)
    const doc = a.body
    expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/)
    // `as unknown` here and below: vitest types its asymmetric matchers as `any`.
    const aString = expect.any(String) as unknown
    expect(doc.info).toMatchObject({ title: aString, version: aString })
    for (const path of [
      '/rest/v1/auth/login',
      '/rest/v1/auth/refresh',
      '/rest/v1/user',
      '/rest/v1/user/current',
      '/rest/v1/user/{id}',
      '/rest/v1/dataowner/{id}',
      '/rest/v1/hcparty',
      '/rest/v1/exchangekey',
      '/rest/v1/exchangekey/{delegator}/{delegate}',
      '/rest/v1/patient',
      '/rest/v1/patient/batch',
      '/rest/v1/patient/{id}',
      '/rest/v1/datasample/filter',
      '/rest/v1/helement/filter',
    ]) {
      expect(doc.paths, path).toHaveProperty([path])
    }
    // Bodies refer to named components (#/components/schemas/<name>): follow the reference.
    const body = doc.paths['/rest/v1/patient'].post.requestBody.content['application/json'].schema as {
      $ref?: string
    }
    const name = /^#\/components\/schemas\/(.+)$/.exec(body.$ref ?? '')?.[1]
    expect(name, JSON.stringify(body)).toBeDefined()
    expect(doc.components.schemas[name!]).toMatchObject({
      type: 'object',
      required: expect.arrayContaining(['id', 'systemMetaData']) as unknown,
    })
    expect(doc.paths['/rest/v1/patient/{id}'].get.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'id', in: 'path', required: true })]),
    )
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' })
  })

  it('invalid JSON bodies get 400 saying the JSON is invalid', async () => {
    for (const body of ['{"id": ', '{id: 1}', "{'a': 1}", '{"a": 1,}', 'nul']) {
      expect400(await raw('POST', `${R}/patient`, body), /not valid JSON/)
    }
    // Also on public routes (no token).
    expect400(
      await http.call('POST', `${R}/auth/login`, { raw: '{"username":', headers: JSON_HEADERS }),
      /not valid JSON/,
    )
    // Prototype poisoning is refused as invalid JSON, never merged into objects.
    const poisoned = JSON.stringify(newDoc()).replace('{', '{"__proto__":{"isAdmin":true},')
    expect400(await raw('POST', `${R}/patient`, poisoned), /not valid JSON/)
  })

  it('an empty JSON body or no body gets 400', async () => {
    expect400(await raw('POST', `${R}/patient`, ''), /Body cannot be empty/)
    expect400(await http.call('POST', `${R}/patient`, { token }), /body must be object/)
    expect400(await http.call('POST', `${R}/user/${uuid()}/token`, { token }), /body must be object/)
  })

  it('a wrong content-type gets 400', async () => {
    const json = JSON.stringify(newDoc())
    expect400(
      await raw('POST', `${R}/patient`, '<patient/>', { 'content-type': 'application/xml' }),
      /Media Type/,
    )
    expect400(
      await raw('POST', `${R}/patient`, json, { 'content-type': 'application/x-www-form-urlencoded' }),
      /Media Type/,
    )
    // text/plain is read as a string, which is not the object the route expects.
    expect400(
      await raw('POST', `${R}/patient`, json, { 'content-type': 'text/plain' }),
      /body must be object/,
    )
  })

  it('a body that is not an object gets 400 "body must be object" (or array for batches)', async () => {
    for (const body of [[], 'a string', 42, null, true]) {
      expect400(await http.post(`${R}/patient`, body, token), 'Invalid body: body must be object')
      expect400(await http.put(`${R}/datasample`, body, token), 'Invalid body: body must be object')
      expect400(await http.post(`${R}/auth/login`, body), 'Invalid body: body must be object')
    }
    expect400(await http.post(`${R}/patient/batch`, newDoc(), token), 'Invalid body: body must be array')
    expect400(await http.post(`${R}/patient/batch`, [], token), /must NOT have fewer than 1 items/)
    expect400(await http.post(`${R}/patient/batch`, [42], token), /body\/0 must be object/)
  })

  it('missing required fields get 400 naming the field', async () => {
    const cases: [string, unknown, string][] = [
      [`${R}/patient`, { id: uuid() }, "body must have required property 'systemMetaData'"],
      [`${R}/patient`, { systemMetaData: emptyMeta() }, "body must have required property 'id'"],
      [
        `${R}/datasample`,
        { id: uuid(), systemMetaData: { secretForeignKeys: [], delegations: {}, encryptionKeys: {} } },
        "body/systemMetaData must have required property 'cryptedForeignKeys'",
      ],
      [
        `${R}/helement`,
        withMeta({ delegations: { [me]: [{ owner: me, delegatedTo: me }] } }),
        `body/systemMetaData/delegations/${me}/0 must have required property 'key'`,
      ],
      [`${R}/datasample/filter`, {}, "body must have required property 'filter'"],
      [
        `${R}/datasample/filter`,
        { filter: { $type: 'DataSampleByHealthcarePartyPatientFilter' } },
        "body/filter must have required property 'patientSecretForeignKeys'",
      ],
      [
        `${R}/exchangekey`,
        { id: uuid(), delegator: me, delegate: me, encryptedKey: { f: 'k' }, signerFingerprint: 'f' },
        "body must have required property 'signature'",
      ],
      [`${R}/user/current/sharing/add`, {}, "body must have required property 'dataOwnerIds'"],
      [`${R}/auth/login`, { username: 'someone' }, "body must have required property 'password'"],
      [`${R}/auth/refresh`, {}, "body must have required property 'refreshToken'"],
    ]
    for (const [path, body, message] of cases) {
      const a = path.startsWith(`${R}/auth`)
        ? await http.post(path, body)
        : await http.post(path, body, token)
      expect400(a, message)
    }
    expect400(await http.put(`${R}/patient`, newDoc(), token), /rev is required to modify/)
  })

  it('wrongly typed fields get 400 naming the field', async () => {
    expect400(
      await http.post(`${R}/patient`, newDoc({ created: 'yesterday' }), token),
      'body/created must be number',
    )
    expect400(
      await http.post(`${R}/patient`, withMeta({ delegations: [] }), token),
      'body/systemMetaData/delegations must be object',
    )
    expect400(
      await http.post(`${R}/patient`, withMeta({ secretForeignKeys: { a: 'abc' } }), token),
      'body/systemMetaData/secretForeignKeys must be array',
    )
    expect400(
      await http.post(
        `${R}/patient`,
        withMeta({ delegations: { [me]: [{ owner: me, delegatedTo: me, key: 'k', x: 1 }] } }),
        token,
      ),
      /must NOT have additional properties/,
    )
    expect400(
      await http.post(`${R}/hcparty`, { id: uuid(), systemMetaData: null }, token),
      'body/systemMetaData must be object',
    )
    expect400(
      await http.post(`${R}/user`, { id: uuid(), login: `${uuid()}@x.org`, status: 'SUSPENDED' }, token),
      /body\/status must be equal to constant/,
    )
    expect400(
      await http.post(`${R}/user/current/sharing/add`, { dataOwnerIds: [uuid()], type: 'everything' }, token),
      'Unknown kind of shared data "everything"',
    )
  })

  it('ids that are not UUIDs get 400, in the path and in the body', async () => {
    for (const path of [
      `${R}/patient/123`,
      `${R}/datasample/not-a-uuid`,
      `${R}/helement/${uuid()}x`,
      `${R}/user/abc`,
      `${R}/hcparty/abc`,
      `${R}/dataowner/abc`,
      `${R}/patient/%27%20OR%201%3D1`,
    ]) {
      expect400(await http.get(path, token), /^Invalid params: params\/id must match pattern/)
    }
    expect400(await http.get(`${R}/exchangekey/a/${me}`, token), /params\/delegator must match pattern/)
    expect400(await http.get(`${R}/exchangekey/${me}/b`, token), /params\/delegate must match pattern/)

    expect400(
      await http.post(`${R}/patient`, newDoc({ id: 'abc' }), token),
      /^Invalid body: body\/id must match pattern/,
    )
    expect400(
      await http.put(`${R}/patient`, newDoc({ id: 42, rev: '1-a' }), token),
      /body\/id must match pattern/,
    )
    expect400(await http.post(`${R}/patient/batch`, [newDoc(), newDoc({ id: '' })], token), /body\/1\/id/)
    expect400(await http.put(`${R}/user`, { id: 'me', rev: '1-a' }, token), /body\/id must match pattern/)
    expect400(await http.post(`${R}/hcparty`, { id: 'x' }, token), /body\/id must match pattern/)
    expect400(
      await http.post(`${R}/user`, { id: uuid(), login: `${uuid()}@x.org`, patientId: 'p1' }, token),
      /body\/patientId must match pattern/,
    )
    expect400(
      await http.post(`${R}/user/current/sharing/add`, { dataOwnerIds: ['x'] }, token),
      /body\/dataOwnerIds\/0 must match pattern/,
    )
    expect400(
      await http.post(`${R}/datasample/filter?startDocumentId=abc`, filterBody(), token),
      /querystring\/startDocumentId must match pattern/,
    )
  })

  it('an unknown filter $type gets 400', async () => {
    expect400(
      await http.post(`${R}/datasample/filter`, filterBody({ $type: 'PatientByNameFilter' }), token),
      /body\/filter\/\$type must be equal to constant/,
    )
    expect400(
      await http.post(
        `${R}/datasample/filter`,
        filterBody({ $type: 'HealthcareElementByHealthcarePartyPatientFilter' }),
        token,
      ),
      'Unsupported filter HealthcareElementByHealthcarePartyPatientFilter for dataSample',
    )
    expect400(
      await http.post(`${R}/datasample/filter`, filterBody({ extra: 1 }), token),
      /body\/filter must NOT have additional properties/,
    )
    // The patient route takes patient filters only.
    expect400(
      await http.post(`${R}/patient/filter`, filterBody(), token),
      'Unsupported filter DataSampleByHealthcarePartyPatientFilter for patient',
    )
  })

  it('a limit out of range or not an integer gets 400 naming limit', async () => {
    const cases: [string, RegExp][] = [
      ['0', /querystring\/limit must be >= 1/],
      ['-5', /querystring\/limit must be >= 1/],
      ['5001', /querystring\/limit must be <= 5000/],
      ['1e9', /querystring\/limit must be <= 5000/],
      ['abc', /querystring\/limit must be integer/],
      ['1.5', /querystring\/limit must be integer/],
      ['1&limit=2', /querystring\/limit must be integer/],
    ]
    for (const [limit, message] of cases) {
      expect400(await http.post(`${R}/datasample/filter?limit=${limit}`, filterBody(), token), message)
    }
    expect400(
      await http.post(
        `${R}/helement/filter?page=2`,
        filterBody({ $type: 'HealthcareElementByHealthcarePartyPatientFilter' }),
        token,
      ),
      /querystring must NOT have additional properties/,
    )
    const ok = await http.post(`${R}/datasample/filter?limit=5000`, filterBody(), token)
    expect(ok.status, ok.text).toBe(200)
  })

  it('oversize arrays get 400 naming the limit', async () => {
    expect400(
      await http.post(
        `${R}/patient/batch`,
        Array.from({ length: MAX_BATCH_SIZE + 1 }, () => newDoc()),
        token,
      ),
      `Invalid body: body must NOT have more than ${MAX_BATCH_SIZE} items`,
    )
    expect400(
      await http.post(
        `${R}/patient`,
        withMeta({ secretForeignKeys: Array.from({ length: 51 }, (_, i) => `s${i}`) }),
        token,
      ),
      'body/systemMetaData/secretForeignKeys must NOT have more than 50 items',
    )
    const entries = Array.from({ length: 51 }, (_, i) => ({ owner: me, delegatedTo: me, key: `k${i}` }))
    expect400(
      await http.post(`${R}/patient`, withMeta({ delegations: { [me]: entries } }), token),
      `body/systemMetaData/delegations/${me} must NOT have more than 50 items`,
    )
    expect400(
      await http.post(
        `${R}/datasample/filter`,
        filterBody({ patientSecretForeignKeys: Array.from({ length: 1001 }, (_, i) => `s${i}`) }),
        token,
      ),
      'body/filter/patientSecretForeignKeys must NOT have more than 1000 items',
    )
    expect400(
      await http.post(
        `${R}/user/current/sharing/add`,
        { dataOwnerIds: Array.from({ length: 1001 }, uuid) },
        token,
      ),
      'body/dataOwnerIds must NOT have more than 1000 items',
    )
    expect400(
      await http.post(
        `${R}/patient`,
        withMeta({ publicKeysForOaepWithSha256: Array.from({ length: 51 }, () => 'ab') }),
        token,
      ),
      'body/systemMetaData/publicKeysForOaepWithSha256 must NOT have more than 50 items',
    )
  })

  it('huge strings get 400 naming the field and its limit (an oversize entity: 413)', async () => {
    // The encrypted content is not a malformed field but an entity too large: 413 stating the limit.
    expectError(
      await http.post(
        `${R}/patient`,
        withMeta({ encryptedSelf: 'A'.repeat(MAX_ENCRYPTED_SELF_LENGTH + 1) }),
        token,
      ),
      413,
      'PAYLOAD_TOO_LARGE',
      `Entity too large: its systemMetaData.encryptedSelf is longer than the limit of ${MAX_ENCRYPTED_SELF_LENGTH} characters (docs/limits.md); store large content as several entities`,
    )
    expect400(
      await http.post(
        `${R}/patient`,
        withMeta({ delegations: { [me]: [{ owner: me, delegatedTo: me, key: 'k'.repeat(4097) }] } }),
        token,
      ),
      `body/systemMetaData/delegations/${me}/0/key must NOT have more than 4096 characters`,
    )
    expect400(
      await http.post(`${R}/auth/login`, { username: 'u'.repeat(321), password: 'p' }),
      'body/username must NOT have more than 320 characters',
    )
    expect400(
      await http.post(`${R}/user`, { id: uuid(), login: `${uuid()}@x.org`, name: 'n'.repeat(501) }, token),
      'body/name must NOT have more than 500 characters',
    )
    expect400(
      await http.post(`${R}/hcparty`, { id: uuid(), rev: 'r'.repeat(101) }, token),
      'body/rev must NOT have more than 100 characters',
    )
  })

  it('a body over the size limit gets 413 PAYLOAD_TOO_LARGE before it is even sent', async () => {
    // Announce 33 MiB (the limit is 512 KiB) and send nothing: the server answers from the header alone.
    const answer = await new Promise<{ status: number; body: unknown }>((resolve, reject) => {
      const req = httpRequest(
        `${server.url}${R}/patient`,
        {
          method: 'POST',
          headers: {
            ...JSON_HEADERS,
            authorization: `Bearer ${token}`,
            'content-length': String(33 * 1024 * 1024),
          },
          timeout: 20_000,
        },
        (res) => {
          let text = ''
          res.on('data', (d: Buffer) => (text += d.toString()))
          res.on('end', () => {
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) })
            req.destroy()
          })
        },
      )
      req.on('timeout', () => req.destroy(new Error('no answer to an oversize body')))
      req.on('error', reject)
      req.flushHeaders()
    })
    expect(answer.status).toBe(413)
    expect(answer.body).toEqual({
      error: {
        code: 'PAYLOAD_TOO_LARGE',
        message: `Request body is larger than the limit of ${DEFAULT_BODY_LIMIT} bytes (docs/limits.md); split batches or shrink the entity`,
      },
    })
  })

  it('JSON nested absurdly deep gets 400, not a stack overflow', async () => {
    const depth = 100_000
    const deep = JSON.stringify(newDoc({ extra: 'X' })).replace('"X"', '['.repeat(depth) + ']'.repeat(depth))
    expect400(await raw('POST', `${R}/patient`, deep), 'Invalid body: JSON nested deeper than 100 levels')
    const deepObject = JSON.stringify(newDoc({ rev: '1-a', extra: 'X' })).replace(
      '"X"',
      '{"a":'.repeat(5000) + '1' + '}'.repeat(5000),
    )
    expect400(await raw('PUT', `${R}/patient`, deepObject), /nested deeper than 100 levels/)
    // Ordinary nesting is fine.
    const nested = newDoc({ addresses: [{ telecoms: [{ tags: [{ code: { a: [[1]] } }] }] }] })
    const ok = await http.post(`${R}/patient`, nested, token)
    expect(ok.status, ok.text).toBe(200)
  })

  it('a batch with duplicate ids gets 400 naming the id, and stores nothing', async () => {
    const doc = newDoc()
    expect400(
      await http.post(`${R}/patient/batch`, [doc, newDoc(), doc], token),
      `Duplicate id ${doc.id} in the batch`,
    )
    expectError(await http.get(`${R}/patient/${doc.id}`, token), 404, 'NOT_FOUND')
    const created = await http.post<EncryptedEntityDto>(`${R}/patient`, doc, token)
    expect(created.status, created.text).toBe(200)
    const stored = created.body
    expect400(
      await http.put(`${R}/patient/batch`, [stored, { ...stored, firstName: 'Twice' }], token),
      /Duplicate id/,
    )
    expect((await http.get(`${R}/patient/${doc.id}`, token)).body).toEqual(stored)
  })

  it('an id that already exists gets 409, a missing one 404', async () => {
    const doc = newDoc()
    expect((await http.post(`${R}/patient`, doc, token)).status).toBe(200)
    expectError(
      await http.post(`${R}/patient`, doc, token),
      409,
      'CONFLICT',
      new RegExp(`${doc.id} already exists`),
    )
    const missing = uuid()
    expectError(
      await http.get(`${R}/patient/${missing}`, token),
      404,
      'NOT_FOUND',
      `patient ${missing} not found`,
    )
    expectError(
      await http.put(`${R}/patient`, newDoc({ id: missing, rev: '1-a' }), token),
      404,
      'NOT_FOUND',
      `patient ${missing} not found`,
    )
  })

  it('unknown routes and methods get 404 NOT_FOUND naming the route, with or without a token', async () => {
    expectError(await http.get(`${R}/nope`), 404, 'NOT_FOUND', 'No route GET /rest/v1/nope')
    expectError(await http.get(`${R}/nope?x=1`, token), 404, 'NOT_FOUND', 'No route GET /rest/v1/nope')
    expectError(
      await http.call('PATCH', `${R}/patient/${me}`, { token }),
      404,
      'NOT_FOUND',
      `No route PATCH /rest/v1/patient/${me}`,
    )
    // `/` is the web console's page; any other path outside the API is still the API's JSON 404.
    expectError(await http.get('/nothing-here', token), 404, 'NOT_FOUND', 'No route GET /nothing-here')
    expectError(await http.post('/', {}, token), 404, 'NOT_FOUND', 'No route POST /')
    expectError(await http.post('/rest/v2/patient', newDoc(), token), 404, 'NOT_FOUND')
  })

  it('still answers normally after all of that, and never answered 500', async () => {
    const a = await http.post(`${R}/patient`, newDoc(), token)
    expect(a.status, a.text).toBe(200)
    expect((await http.get('/health')).status).toBe(200)
    expect(server.output()).not.toMatch(/"statusCode":5\d\d/)
    expect(server.output()).not.toMatch(/unhandled error/)
  })
})
