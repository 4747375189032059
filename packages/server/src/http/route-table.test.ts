import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Validator } from '@seriousme/openapi-schema-validator'
import { API_PREFIX, allRoutes, type RouteDef } from '@cairn/protocol'
import { startInProcessServer } from '../testing/in-process-server.ts'

type Server = Awaited<ReturnType<typeof startInProcessServer>>
interface OpenApiDoc {
  paths: Record<
    string,
    Record<string, { operationId?: string; security?: unknown[]; responses: Record<string, unknown> }>
  >
  components: { schemas: Record<string, unknown> }
}

/** The OpenAPI path of a route (`:id` becomes `{id}`). */
const openApiPath = (r: RouteDef) => (r.root ? '' : API_PREFIX) + r.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')

describe('route table and OpenAPI document (in process)', () => {
  let s: Server
  let doc: OpenApiDoc
  beforeAll(async () => {
    s = await startInProcessServer()
    const res = await s.request<OpenApiDoc>({ method: 'GET', url: '/openapi.json' })
    expect(res.status).toBe(200)
    doc = res.body
  })
  afterAll(() => s.close())

  it('publishes a valid OpenAPI 3 document', async () => {
    const result = await new Validator().validate(doc as unknown as Parameters<Validator['validate']>[0])
    expect(result.errors ?? [], JSON.stringify(result.errors)).toEqual([])
    expect(result.valid).toBe(true)
  })

  it('registers every route of the table once, with its operation id and error responses', () => {
    const routes = allRoutes()
    expect(new Set(routes.map((r) => r.operationId)).size).toBe(routes.length)
    for (const route of routes) {
      const op = doc.paths[openApiPath(route)]?.[route.method.toLowerCase()]
      expect(op, `${route.method} ${route.path}`).toBeDefined()
      expect(op.operationId).toBe(route.operationId)
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '4XX', '5XX']))
    }
  })

  it('marks public routes as needing no token, and every other route as needing the bearer token', () => {
    const publicOps = allRoutes()
      .filter((r) => r.public)
      .map((r) => r.operationId)
    expect(publicOps.sort()).toEqual([
      'devOutboxLastEmail',
      'devOutboxLastSms',
      'health',
      'login',
      'ready',
      'refresh',
      'startAuthenticationProcess',
      'validateAuthenticationProcess',
    ])
    for (const route of allRoutes()) {
      const op = doc.paths[openApiPath(route)][route.method.toLowerCase()]
      if (route.public) expect(op.security).toEqual([])
      else expect(op.security).toBeUndefined() // inherits the document's bearer requirement
    }
    expect((doc as unknown as { security: unknown }).security).toEqual([{ bearer: [] }])
  })

  it('names its components after the protocol schemas', () => {
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining([
        'EncryptedEntity',
        'EncryptedEntityPage',
        'DataOwnerDoc',
        'DataOwnerWithType',
        'User',
        'UserWrite',
        'AuthResponse',
        'ExchangeKey',
        'Error',
        'DataSampleByHealthcarePartyPatientFilter',
      ]),
    )
    expect(Object.keys(doc.components.schemas).filter((k) => k.startsWith('def-'))).toEqual([])
  })

  it('serves Swagger UI at /docs without a token', async () => {
    const res = await s.request({ method: 'GET', url: '/docs/' })
    expect(res.status).toBe(200)
    expect(String(res.headers['content-type'])).toMatch(/text\/html/)
    expect(res.text).toMatch(/swagger/i)
  })

  it('answers every non-public route with 401 and the error body when no token is sent', async () => {
    for (const route of allRoutes().filter((r) => !r.public)) {
      const url =
        (route.root ? '' : API_PREFIX) +
        route.path.replace(/:([A-Za-z]+)/g, '00000000-0000-4000-8000-000000000000')
      const res = await s.request<{ error: { code: string } }>({
        method: route.method,
        url,
        payload: route.body ? {} : undefined,
      })
      expect(res.status, `${route.method} ${url}`).toBe(401)
      expect(res.body.error.code).toBe('UNAUTHORIZED')
    }
  })

  it('answers /health with the response schema of the table', async () => {
    const res = await s.request({ method: 'GET', url: '/health' })
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ status: 'ok', database: 'sqlite' })
  })
})
