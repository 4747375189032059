import { describe, expect, it } from 'vitest'
import { urlProblem } from './url-guard.ts'

describe('urlProblem', () => {
  it('lets ordinary targets through, percent-escapes of UTF-8 included', () => {
    for (const url of [
      '/rest/v1/patient/6f9619ff-8b86-4011-b42d-00c04fc964ff',
      '/rest/v1/datasample/filter?limit=10&startDocumentId=abc',
      '/rest/v1/nope/%C3%A9%F0%9F%99%82?q=a%20b+c',
    ])
      expect(urlProblem(url), url).toBeUndefined()
  })

  it('refuses a NUL, in the path or the query string', () => {
    expect(urlProblem('/rest/v1/patient/%00')).toMatch(/NUL/)
    expect(urlProblem('/rest/v1/x?id=a%00b')).toMatch(/NUL/)
  })

  it('refuses escapes that do not decode to UTF-8, and broken escapes', () => {
    for (const url of ['/a/%C3%28', '/a/%FF', '/a?x=%E2%82', '/a?x=%zz', '/a?x=100%', '/a/%ED%A0%80'])
      expect(urlProblem(url), url).toMatch(/does not decode to UTF-8/)
  })
})
