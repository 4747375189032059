import { describe, expect, it, vi } from 'vitest'
import { NoOpFilter, FilterComposition } from './filter.ts'
import { CodingFilter } from './coding-filter.ts'
import { codingFilterToDto } from '../mappers/coding-filter-mapper.ts'
import { codingFromDto, codingIdOf, codingToDto } from '../mappers/coding-mapper.ts'
import { Coding } from '../models/index.ts'

const label = (region?: string, language?: string, type?: string, l?: string) => ({
  $type: 'CodingByRegionTypeLabelFilter',
  ...(region ? { region } : {}),
  ...(language ? { language } : {}),
  ...(type ? { type } : {}),
  ...(l ? { label: l } : {}),
})

describe('CodingFilter (MedTech builder semantics)', () => {
  it('builds AllCodingsFilter with no criterion, and one filter per criterion', async () => {
    expect(await new CodingFilter().build()).toEqual({ $type: 'AllCodingsFilter' })
    expect(await new CodingFilter().byIds(['a|b|c']).build()).toEqual({
      $type: 'CodingByIdsFilter',
      ids: ['a|b|c'],
    })
    expect(
      await new CodingFilter().byRegionLanguageTypeLabel('be', 'en', 'SNOMEDCT', 'diab').build(),
    ).toEqual(label('be', 'en', 'SNOMEDCT', 'diab'))
    expect(await new CodingFilter().byRegionLanguageTypeLabel(undefined, undefined, 'LOINC').build()).toEqual(
      label(undefined, undefined, 'LOINC'),
    )
  })

  it('throws MedTech’s message at once when a label search has no criterion', () => {
    expect(() => new CodingFilter().byRegionLanguageTypeLabel('', undefined, '', '')).toThrow(
      'To instantiate the filter, you must specify at least one of these parameters: labelType, labelCode, codeType, or codeCode',
    )
  })

  it('intersects id lists in the order of the first, and makes a NoOpFilter (with a warning) when empty', async () => {
    expect(await new CodingFilter().byIds(['c', 'a', 'b']).byIds(['b', 'c']).build()).toEqual({
      $type: 'CodingByIdsFilter',
      ids: ['c', 'b'],
    })
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const built = await new CodingFilter().byIds(['a']).byRegionLanguageTypeLabel('be').byIds(['b']).build()
    expect(NoOpFilter.isNoOp(built)).toBe(true)
    expect(warn).toHaveBeenCalledWith(
      'Warning: the filter you built cannot be resolved and will return no entity',
    )
    warn.mockRestore()
  })

  it('keeps each label search as its own filter, in an intersection ordered as added, the sort key first', async () => {
    const a = label(undefined, 'en', undefined, 'diab')
    const b = label(undefined, 'en', undefined, 'mell')
    const ids = { $type: 'CodingByIdsFilter', ids: ['x'] }
    expect(
      await new CodingFilter()
        .byRegionLanguageTypeLabel(undefined, 'en', undefined, 'diab')
        .byIds(['x'])
        .byRegionLanguageTypeLabel(undefined, 'en', undefined, 'mell')
        .build(),
    ).toEqual({ $type: 'IntersectionFilter', filters: [a, ids, b] })
    expect(
      await new CodingFilter()
        .byRegionLanguageTypeLabel(undefined, 'en', undefined, 'diab')
        .sort.byRegionLanguageTypeLabel(undefined, 'en', undefined, 'mell')
        .build(),
    ).toEqual({ $type: 'IntersectionFilter', filters: [b, a] })
  })
})

describe('codingFilterToDto', () => {
  it('sends the coding filters field by field, compositions mapped recursively', () => {
    expect(codingFilterToDto({ $type: 'CodingByIdsFilter', ids: new Set(['a']), extra: 1 } as never)).toEqual(
      {
        $type: 'CodingByIdsFilter',
        ids: ['a'],
      },
    )
    const union = FilterComposition.union<Coding>(
      { $type: 'AllCodingsFilter', description: 'd' },
      FilterComposition.intersection<Coding>({
        $type: 'CodingByRegionTypeLabelFilter',
        label: 'x',
        other: 2,
      } as never),
    )
    expect(codingFilterToDto(union)).toEqual({
      $type: 'UnionFilter',
      filters: [
        { $type: 'AllCodingsFilter', description: 'd' },
        { $type: 'IntersectionFilter', filters: [{ $type: 'CodingByRegionTypeLabelFilter', label: 'x' }] },
      ],
    })
  })

  it('throws MedTech’s "No mapper for" on other filters, a nested NoOpFilter included', () => {
    expect(() => codingFilterToDto({ $type: 'UserByIdsFilter' })).toThrow('No mapper for UserByIdsFilter')
    expect(() => codingFilterToDto(FilterComposition.union<Coding>(new NoOpFilter()))).toThrow(
      'No mapper for NoOpFilter',
    )
  })
})

describe('coding mapper', () => {
  it('keeps an id of MedTech’s form, else builds type|code|version', () => {
    expect(codingIdOf(new Coding({ id: 'SNOMEDCT|73211009|20240101', type: 'x' }))).toBe(
      'SNOMEDCT|73211009|20240101',
    )
    expect(codingIdOf(new Coding({ id: 'not an id', type: 'LOINC', code: '2345-7', version: '2.77' }))).toBe(
      'LOINC|2345-7|2.77',
    )
  })

  it('sends description as label and search-term Sets as arrays, and reads them back', () => {
    const coding = new Coding({
      type: 'LOINC',
      code: '2345-7',
      version: '2.77',
      description: { en: 'Glucose' },
      searchTerms: { en: new Set(['sugar']) },
      regions: ['be'],
    })
    const dto = codingToDto(coding)
    expect(dto).toEqual({
      id: 'LOINC|2345-7|2.77',
      type: 'LOINC',
      code: '2345-7',
      version: '2.77',
      label: { en: 'Glucose' },
      searchTerms: { en: ['sugar'] },
      regions: ['be'],
    })
    const back = codingFromDto({ ...dto, rev: '1-a', created: 1, modified: 2 })
    expect(back).toBeInstanceOf(Coding)
    expect(back.description).toEqual({ en: 'Glucose' })
    expect(back.searchTerms.en).toEqual(new Set(['sugar']))
    expect(back.rev).toBe('1-a')
  })
})
