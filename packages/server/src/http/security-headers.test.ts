import { describe, expect, it } from 'vitest'
import { BASIC_SECURITY_HEADERS, helmetHeaders } from './security-headers.ts'

describe('helmetHeaders', () => {
  it("computes helmet's headers once, as plain values", () => {
    const headers = helmetHeaders({
      contentSecurityPolicy: { useDefaults: false, directives: { 'default-src': ["'none'"] } },
      frameguard: { action: 'deny' },
      referrerPolicy: { policy: 'no-referrer' },
      strictTransportSecurity: false,
      xXssProtection: false,
    })
    expect(headers['content-security-policy']).toBe("default-src 'none'")
    expect(headers['x-frame-options']).toBe('DENY')
    expect(headers['referrer-policy']).toBe('no-referrer')
    expect(headers['x-content-type-options']).toBe('nosniff')
    expect(headers).not.toHaveProperty('strict-transport-security')
    expect(headers).not.toHaveProperty('x-xss-protection')
    expect(Object.isFrozen(headers)).toBe(true)
  })

  it("gives the API's answers the headers an API needs, and no more", () => {
    expect(BASIC_SECURITY_HEADERS).toEqual({
      'content-security-policy': "default-src 'none';frame-ancestors 'none'",
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    })
  })
})
