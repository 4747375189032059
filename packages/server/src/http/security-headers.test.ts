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

  it('agrees with the headers written on answers refused before any hook', () => {
    const headers = helmetHeaders({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: { 'default-src': ["'none'"], 'frame-ancestors': ["'none'"] },
      },
      frameguard: { action: 'deny' },
      referrerPolicy: { policy: 'no-referrer' },
    })
    for (const name of ['x-content-type-options', 'x-frame-options', 'referrer-policy'])
      expect(headers[name], name).toBe(BASIC_SECURITY_HEADERS[name])
    expect(headers['content-security-policy']).toBe(
      BASIC_SECURITY_HEADERS['content-security-policy'].replace('; ', ';'),
    )
  })
})
