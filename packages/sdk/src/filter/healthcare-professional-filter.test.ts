import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest'
import { NoOpFilter } from './filter.ts'
import { HealthcareProfessionalFilter } from './healthcare-professional-filter.ts'

const labelCode = (fields: object) => ({ $type: 'HealthcareProfessionalByLabelCodeFilter', ...fields })
const byName = (name: string) => ({ $type: 'HealthcareProfessionalByNameFilter', name })

describe('HealthcareProfessionalFilter', () => {
  let warn: MockInstance<typeof console.warn>
  beforeEach(() => {
    warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
  })
  afterEach(() => warn.mockRestore())

  it('builds AllHealthcareProfessionalsFilter when nothing is added, and one filter per method', async () => {
    expect(await new HealthcareProfessionalFilter().build()).toStrictEqual({
      $type: 'AllHealthcareProfessionalsFilter',
    })
    expect(await new HealthcareProfessionalFilter({}).byIds(['h1']).build()).toEqual({
      $type: 'HealthcareProfessionalByIdsFilter',
      ids: ['h1'],
    })
    // The documentation's use: by speciality code.
    expect(
      await new HealthcareProfessionalFilter()
        .byLabelCodeFilter(undefined, undefined, 'SPECIALITY', 'cardio')
        .build(),
    ).toStrictEqual(labelCode({ codeType: 'SPECIALITY', codeCode: 'cardio' }))
    expect(
      await new HealthcareProfessionalFilter().byLabelCodeFilter('a', 'b', 'c', 'd').build(),
    ).toStrictEqual(labelCode({ labelType: 'a', labelCode: 'b', codeType: 'c', codeCode: 'd' }))
    expect(await new HealthcareProfessionalFilter().byMatches('eatsjo').build()).toStrictEqual(
      byName('eatsjo'),
    )
  })

  it('throws MedTech’s message at once when a label search has no criterion', () => {
    expect(() => new HealthcareProfessionalFilter().byLabelCodeFilter(undefined, '')).toThrow(
      'To instantiate the filter, you must specify at least one of these parameters: labelType, labelCode, codeType, or codeCode',
    )
  })

  it('intersects id lists, keeps each search, and puts the sort key first', async () => {
    expect(await new HealthcareProfessionalFilter().byIds(['a', 'b']).byIds(['b', 'a']).build()).toEqual({
      $type: 'HealthcareProfessionalByIdsFilter',
      ids: ['a', 'b'],
    })
    expect(await new HealthcareProfessionalFilter().byIds(['a', 'b']).sort.byIds(['b', 'a']).build()).toEqual(
      {
        $type: 'HealthcareProfessionalByIdsFilter',
        ids: ['b', 'a'],
      },
    )
    expect(
      await new HealthcareProfessionalFilter().byMatches('x').byLabelCodeFilter('t').byMatches('y').build(),
    ).toEqual({
      $type: 'IntersectionFilter',
      filters: [byName('x'), labelCode({ labelType: 't' }), byName('y')],
    })
    expect(await new HealthcareProfessionalFilter().byMatches('x').sort.byMatches('y').build()).toEqual({
      $type: 'IntersectionFilter',
      filters: [byName('y'), byName('x')],
    })
    expect(
      await new HealthcareProfessionalFilter().byMatches('x').sort.byLabelCodeFilter('t').build(),
    ).toEqual({ $type: 'IntersectionFilter', filters: [labelCode({ labelType: 't' }), byName('x')] })
    expect(warn).not.toHaveBeenCalled()
    expect(
      NoOpFilter.isNoOp(await new HealthcareProfessionalFilter().byIds(['a']).byIds(['b']).build()),
    ).toBe(true)
    expect(warn).toHaveBeenCalledWith(
      'Warning: the filter you built cannot be resolved and will return no entity',
    )
  })
})
