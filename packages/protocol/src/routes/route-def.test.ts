import { describe, expect, it } from 'vitest'
import { ENTITY_ROUTES, ROUTES } from './route-table.ts'
import { routePath } from './route-def.ts'

describe('routePath', () => {
  it('fills path parameters, URI-encoded, and appends the defined query parameters', () => {
    expect(routePath(ROUTES.getExchangeKeys, { delegator: 'a b', delegate: 'c/d' })).toBe(
      '/exchangekey/a%20b/c%2Fd',
    )
    expect(routePath(ENTITY_ROUTES.dataSample.filter, {}, { limit: 10, startDocumentId: undefined })).toBe(
      '/datasample/filter?limit=10',
    )
    expect(routePath(ROUTES.login)).toBe('/auth/login')
  })

  it('never lets a parameter become a path segment such as ".."', () => {
    expect(() => routePath(ENTITY_ROUTES.patient.get, { id: '..' })).toThrow('cannot be ".."')
    expect(() => routePath(ENTITY_ROUTES.patient.get, { id: '.' })).toThrow('cannot be "."')
    expect(routePath(ENTITY_ROUTES.patient.get, { id: 'a..b' })).toBe('/patient/a..b')
  })

  it('refuses to build a path with a missing parameter', () => {
    expect(() => routePath(ROUTES.getUser, {})).toThrow('Route getUser needs the path parameter "id"')
  })
})
