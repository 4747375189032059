import { describe, expect, it } from 'vitest'
import { parseCorsOrigins } from './cors.ts'

describe('parseCorsOrigins (CAIRN_CORS_ORIGINS)', () => {
  it('is empty (no CORS) when unset or blank', () => {
    expect(parseCorsOrigins(undefined)).toEqual([])
    expect(parseCorsOrigins('')).toEqual([])
    expect(parseCorsOrigins(' , ')).toEqual([])
  })

  it('keeps origins as browsers send them', () => {
    expect(parseCorsOrigins('https://App.Example.org/, http://localhost:5173,https://x.org:443')).toEqual([
      'https://app.example.org',
      'http://localhost:5173',
      'https://x.org',
    ])
  })

  it('allows every origin only with a lone "*"', () => {
    expect(parseCorsOrigins('*')).toEqual(['*'])
    expect(() => parseCorsOrigins('*, https://app.example.org')).toThrow(
      /"\*" allows every origin and must be alone/,
    )
  })

  it('refuses what is not an origin: paths, queries, credentials, other schemes, "null"', () => {
    for (const wrong of [
      'https://app.example.org/app',
      'https://app.example.org?x=1',
      'https://user:pw@app.example.org',
      'ftp://app.example.org',
      'null',
      'app.example.org',
    ]) {
      expect(() => parseCorsOrigins(wrong), wrong).toThrow(/is not an origin/)
    }
  })
})
