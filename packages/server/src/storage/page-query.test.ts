import { describe, expect, it } from 'vitest'
import type { IndexQuery } from './index-query.ts'
import { plan, prefixUpperBound } from './page-query.ts'

const byId = { by: 'id' } as const
const byValue = { by: 'value', descending: false } as const
const term = (terms: string[], min?: number, max?: number): IndexQuery => ({
  op: 'term',
  terms,
  ...(min !== undefined ? { min } : {}),
  ...(max !== undefined ? { max } : {}),
})

describe('query plans', () => {
  it('walks the access index in id order when nothing is selective, or when ids are given', () => {
    expect(plan({ op: 'all' }, byId, true)).toEqual({ driver: { kind: 'access' }, rest: [], empty: false })
    const ids: IndexQuery = { op: 'ids', ids: ['a'] }
    expect(plan({ op: 'and', of: [ids, term(['code:X|1'])] }, byId, true).driver).toEqual({ kind: 'access' })
    expect(plan({ op: 'all' }, byId, false).driver).toEqual({ kind: 'docs' })
  })

  it("drives from the most selective term (a patient's secret id before a code), folding date ranges into it", () => {
    const q: IndexQuery = {
      op: 'and',
      of: [term(['code:LOINC|1']), term(['sfk:s1']), term(['*'], 20240101000000, 20240131235959)],
    }
    expect(plan(q, byValue, true)).toEqual({
      driver: { kind: 'term', terms: ['sfk:s1'], min: 20240101000000, max: 20240131235959 },
      rest: [term(['code:LOINC|1'])],
      empty: false,
    })
  })

  it('orders by value through a term driver, every document term when no other term is given', () => {
    const name: IndexQuery = { op: 'name', prefix: 'ann' }
    expect(plan(name, byValue, true)).toEqual({
      driver: { kind: 'term', terms: ['*'] },
      rest: [name],
      empty: false,
    })
    expect(plan(name, byId, true)).toEqual({
      driver: { kind: 'name', prefix: 'ann' },
      rest: [],
      empty: false,
    })
  })

  it('drives a union of terms over one date range as one term query', () => {
    const q: IndexQuery = { op: 'or', of: [term(['sfk:a']), { op: 'or', of: [term(['sfk:b', 'sfk:a'])] }] }
    expect(plan(q, byId, true).driver).toEqual({ kind: 'term', terms: ['sfk:a', 'sfk:b'] })
    const mixed: IndexQuery = { op: 'or', of: [term(['sfk:a']), { op: 'name', prefix: 'x' }] }
    expect(plan(mixed, byId, true)).toEqual({ driver: { kind: 'access' }, rest: [mixed], empty: false })
    const ranges: IndexQuery = { op: 'or', of: [term(['sfk:a'], 1), term(['sfk:b'], 2)] }
    expect(plan(ranges, byId, true).driver).toEqual({ kind: 'access' })
  })

  it('knows an empty list selects nothing, without asking the database', () => {
    expect(plan({ op: 'ids', ids: [] }, byId, true).empty).toBe(true)
    expect(plan({ op: 'and', of: [term([]), { op: 'all' }] }, byId, true).empty).toBe(true)
    expect(plan({ op: 'or', of: [] }, byId, true).empty).toBe(true)
    expect(plan({ op: 'or', of: [term([])] }, byId, true).empty).toBe(true)
  })

  it('bounds a prefix range just after every string starting with the prefix', () => {
    expect(prefixUpperBound('ann')).toBe('ano')
    expect('annabel' < prefixUpperBound('ann')).toBe(true)
    expect('ano' < prefixUpperBound('ann')).toBe(false)
  })
})
