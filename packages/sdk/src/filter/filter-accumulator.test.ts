import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest'
import { FilterAccumulator, NO_OP_WARNING } from './filter-accumulator.ts'
import { NoOpFilter, type Filter } from './filter.ts'

type F = Filter<unknown> & Record<string, unknown>
const byIds = (ids: string[], extra: object = {}): F => ({ $type: 'XByIdsFilter', ids, ...extra })
const tag = (code: string): F => ({ $type: 'XByTagFilter', code })
const fallback = (): F => ({ $type: 'AllXFilter' })

/** A filter that resolves only when `release()` is called (an async criterion of a builder). */
function later(filter: F): { promise: Promise<F>; release: () => void } {
  let release = () => {}
  const promise = new Promise<F>((resolve) => (release = () => resolve(filter)))
  return { promise, release }
}

describe('FilterAccumulator', () => {
  let warn: MockInstance<typeof console.warn>
  beforeEach(() => {
    warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
  })
  afterEach(() => warn.mockRestore())

  it('gives the default filter when nothing was added, and a single filter as it is', async () => {
    const acc = new FilterAccumulator<unknown>()
    expect(await acc.build(fallback)).toEqual({ $type: 'AllXFilter' })
    expect(await acc.build(() => Promise.resolve(tag('async default')))).toEqual(tag('async default'))
    acc.addSimple(tag('a'))
    expect(await acc.build(fallback)).toEqual(tag('a'))
    expect(warn).not.toHaveBeenCalled()
  })

  it('intersects the id lists of one $type in the order of the first, keeping its other fields', async () => {
    const acc = new FilterAccumulator<unknown>()
    acc.addByIds(byIds(['c', 'a', 'b', 'd'], { owner: 'first' }), 'ids')
    acc.addByIds(byIds(['b', 'c', 'x', 'd'], { owner: 'second' }), 'ids')
    acc.addByIds(byIds(['d', 'c', 'b']), 'ids')
    expect(await acc.build(fallback)).toEqual(byIds(['c', 'b', 'd'], { owner: 'first' }))
  })

  it('starts a by-ids intersection from the sort key, keeping its order and fields', async () => {
    const acc = new FilterAccumulator<unknown>()
    acc.addByIds(byIds(['a', 'b', 'c'], { owner: 'first' }), 'ids')
    acc.addByIds(byIds(['c', 'b', 'a'], { owner: 'sorted' }), 'ids')
    acc.markLastAsSortKey()
    acc.addByIds(byIds(['b', 'c']), 'ids')
    expect(await acc.build(fallback)).toEqual(byIds(['c', 'b'], { owner: 'sorted' }))
  })

  it('intersects the field named for the filter (e.g. patientSecretForeignKeys), Sets included', async () => {
    const acc = new FilterAccumulator<unknown>()
    acc.addByIds(
      { $type: 'XByPatientFilter', patientSecretForeignKeys: ['s1', 's2'], hcp: 'h' } as F,
      'patientSecretForeignKeys',
    )
    acc.addByIds(
      { $type: 'XByPatientFilter', patientSecretForeignKeys: new Set(['s2', 's3']) } as F,
      'patientSecretForeignKeys',
    )
    expect(await acc.build(fallback)).toEqual({
      $type: 'XByPatientFilter',
      patientSecretForeignKeys: ['s2'],
      hcp: 'h',
    })
  })

  it('makes a NoOpFilter, with MedTech’s warning, from an empty intersection or an empty id list', async () => {
    const disjoint = new FilterAccumulator<unknown>()
    disjoint.addByIds(byIds(['a']), 'ids')
    disjoint.addSimple(tag('t'))
    disjoint.addByIds(byIds(['b']), 'ids')
    const built = await disjoint.build(fallback)
    expect(built).toBeInstanceOf(NoOpFilter)
    expect(NoOpFilter.isNoOp(built)).toBe(true)
    expect(warn).toHaveBeenCalledWith(NO_OP_WARNING)
    expect(NO_OP_WARNING).toBe('Warning: the filter you built cannot be resolved and will return no entity')

    warn.mockClear()
    const empty = new FilterAccumulator<unknown>()
    empty.addByIds(byIds([]), 'ids')
    expect(NoOpFilter.isNoOp(await empty.build(fallback))).toBe(true)
    expect(warn).toHaveBeenCalledTimes(1)
  })

  it('keeps equal singletons as one filter, and makes a NoOpFilter when they disagree', async () => {
    const agree = new FilterAccumulator<unknown>()
    agree.addSingleton({ $type: 'XOfAgeFilter', min: 1, max: 2, list: ['a', 'b'] } as F)
    agree.addSingleton({ $type: 'XOfAgeFilter', min: 1, max: 2, list: ['a', 'b'] } as F)
    expect(await agree.build(fallback)).toEqual({ $type: 'XOfAgeFilter', min: 1, max: 2, list: ['a', 'b'] })
    expect(warn).not.toHaveBeenCalled()

    for (const other of [
      { $type: 'XOfAgeFilter', min: 1, max: 3, list: ['a', 'b'] },
      { $type: 'XOfAgeFilter', min: 1, max: 2, list: ['b', 'a'] },
      { $type: 'XOfAgeFilter', min: 1, max: 2, list: ['a', 'b'], extra: 0 },
      { $type: 'XOfAgeFilter', min: 1, list: ['a', 'b'] },
      { $type: 'XOfAgeFilter', min: 1, max: 2, list: ['a', 'b'], mux: undefined },
    ]) {
      const disagree = new FilterAccumulator<unknown>()
      disagree.addSingleton({ $type: 'XOfAgeFilter', min: 1, max: 2, list: ['a', 'b'] } as F)
      disagree.addSingleton(other)
      expect(NoOpFilter.isNoOp(await disagree.build(fallback)), JSON.stringify(other)).toBe(true)
    }
    expect(warn).toHaveBeenCalledWith(NO_OP_WARNING)
  })

  it('keeps each simple filter, equal ones included, in an intersection ordered as added', async () => {
    const acc = new FilterAccumulator<unknown>()
    acc.addSimple(tag('a'))
    acc.addByIds(byIds(['x', 'y']), 'ids')
    acc.addSimple(tag('a'))
    acc.addByIds(byIds(['y']), 'ids')
    expect(await acc.build(fallback)).toEqual({
      $type: 'IntersectionFilter',
      filters: [tag('a'), byIds(['y']), tag('a')],
    })
  })

  it('keeps one $type added through two strategies as two filters', async () => {
    const acc = new FilterAccumulator<unknown>()
    const range = (min: number): F => ({ $type: 'XByRangeFilter', min })
    acc.addSingleton(range(1))
    acc.addSimple(range(2))
    acc.addSingleton(range(1))
    expect(await acc.build(fallback)).toEqual({ $type: 'IntersectionFilter', filters: [range(1), range(2)] })
  })

  it('moves the filter holding the sort key first; a later sort key replaces an earlier one', async () => {
    const acc = new FilterAccumulator<unknown>()
    acc.addSimple(tag('a'))
    acc.addByIds(byIds(['x']), 'ids')
    acc.addSimple(tag('b'))
    acc.markLastAsSortKey()
    expect(await acc.build(fallback)).toEqual({
      $type: 'IntersectionFilter',
      filters: [tag('b'), tag('a'), byIds(['x'])],
    })
    acc.addSimple(tag('c'))
    acc.markLastAsSortKey()
    expect(await acc.build(fallback)).toEqual({
      $type: 'IntersectionFilter',
      filters: [tag('c'), tag('a'), byIds(['x']), tag('b')],
    })
    expect(() => new FilterAccumulator().markLastAsSortKey()).toThrow(
      'Add a criterion before marking it as the sort key',
    )
  })

  it('waits for async filters and keeps the order they were added in, not the order they resolve in', async () => {
    const acc = new FilterAccumulator<unknown>()
    const first = later(tag('first'))
    const second = later(tag('second'))
    acc.addSimple(first.promise)
    acc.addSimple(second.promise)
    const built = acc.build(fallback)
    second.release()
    first.release()
    expect(await built).toEqual({ $type: 'IntersectionFilter', filters: [tag('first'), tag('second')] })
  })

  it('rejects build() with the error of a filter that failed, without an unhandled rejection before', async () => {
    const acc = new FilterAccumulator<unknown>()
    acc.addSimple(Promise.reject(new Error('no data owner')))
    // Let the rejection settle before build() looks at it: it must not count as unhandled meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 10))
    await expect(acc.build(fallback)).rejects.toThrow('no data owner')
  })
})
