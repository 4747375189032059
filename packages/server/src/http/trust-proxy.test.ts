import { describe, expect, it } from 'vitest'
import { fastifyTrustProxy, parseTrustProxy } from './trust-proxy.ts'

describe('parseTrustProxy (CAIRN_TRUST_PROXY)', () => {
  it('trusts no proxy by default', () => {
    expect(parseTrustProxy(undefined)).toBe(false)
    expect(parseTrustProxy('')).toBe(false)
    expect(parseTrustProxy('false')).toBe(false)
  })

  it('reads true, a hop count, and a list of addresses and CIDR networks', () => {
    expect(parseTrustProxy('true')).toBe(true)
    expect(parseTrustProxy('2')).toBe(2)
    expect(parseTrustProxy('10.0.0.0/8, 127.0.0.1,::1, fd00::/8')).toEqual([
      '10.0.0.0/8',
      '127.0.0.1',
      '::1',
      'fd00::/8',
    ])
  })

  it('fails the start on anything else, naming what is wrong', () => {
    expect(() => parseTrustProxy('yes')).toThrow(
      /CAIRN_TRUST_PROXY must be .* \(not an address or CIDR: yes\)/,
    )
    expect(() => parseTrustProxy('10.0.0.0/33')).toThrow(/10\.0\.0\.0\/33/)
    expect(() => parseTrustProxy('::1/129')).toThrow(/::1\/129/)
    expect(() => parseTrustProxy('proxy.internal')).toThrow(/proxy\.internal/)
    expect(() => parseTrustProxy('-1')).toThrow(/CAIRN_TRUST_PROXY/)
    expect(() => parseTrustProxy(',')).toThrow(/CAIRN_TRUST_PROXY/)
  })
})

describe('fastifyTrustProxy', () => {
  it('turns a hop count into a function trusting the n closest hops (Fastify trusts no bare number)', () => {
    const trust = fastifyTrustProxy(2) as (address: string, hop: number) => boolean
    expect([0, 1, 2, 3].map((hop) => trust('10.0.0.1', hop))).toEqual([true, true, false, false])
    expect(fastifyTrustProxy(0)).toBe(false)
  })

  it('passes the other forms as they are', () => {
    expect(fastifyTrustProxy(true)).toBe(true)
    expect(fastifyTrustProxy(['10.0.0.0/8'])).toEqual(['10.0.0.0/8'])
  })
})
