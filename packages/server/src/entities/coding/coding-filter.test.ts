import { describe, expect, it } from 'vitest'
import { MAX_CODING_FILTER_PARTS, type CodingFilterDto } from '@cairn/protocol'
import { AppError } from '../../http/app-error.ts'
import { compileCodingFilter } from './coding-filter.ts'

const label = (l: Record<string, string>): CodingFilterDto => ({
  $type: 'CodingByRegionTypeLabelFilter',
  ...l,
})

describe('compileCodingFilter', () => {
  it('compiles the leaf filters', () => {
    expect(compileCodingFilter({ $type: 'AllCodingsFilter' })).toEqual({ op: 'all' })
    expect(compileCodingFilter({ $type: 'CodingByIdsFilter', ids: ['a|b|c'] })).toEqual({
      op: 'ids',
      ids: ['a|b|c'],
    })
    expect(
      compileCodingFilter(label({ region: 'be', type: 'SNOMEDCT', language: 'en', label: 'Diab  MELL' })),
    ).toEqual({ op: 'match', region: 'be', type: 'SNOMEDCT', language: 'en', words: ['diab', 'mell'] })
  })

  it('treats empty fields as absent, and a label without letters or digits as matching nothing', () => {
    expect(compileCodingFilter(label({ region: '', type: 'LOINC', label: '' }))).toEqual({
      op: 'match',
      type: 'LOINC',
      words: [],
    })
    expect(compileCodingFilter(label({ label: '  ' }))).toEqual({ op: 'match', words: [] })
    expect(compileCodingFilter(label({ label: '--' }))).toEqual({ op: 'none' })
  })

  it('compiles unions, intersections and complements, nested', () => {
    const all: CodingFilterDto = { $type: 'AllCodingsFilter' }
    const ids: CodingFilterDto = { $type: 'CodingByIdsFilter', ids: ['x'] }
    expect(
      compileCodingFilter({
        $type: 'UnionFilter',
        filters: [
          { $type: 'IntersectionFilter', filters: [all, ids] },
          { $type: 'ComplementFilter', superSet: all, subSet: ids },
        ],
      }),
    ).toEqual({
      op: 'or',
      of: [
        { op: 'and', of: [{ op: 'all' }, { op: 'ids', ids: ['x'] }] },
        { op: 'and', of: [{ op: 'all' }, { op: 'not', of: { op: 'ids', ids: ['x'] } }] },
      ],
    })
  })

  it('answers 400 for too many filters or search words', () => {
    const many: CodingFilterDto = {
      $type: 'UnionFilter',
      filters: [
        {
          $type: 'UnionFilter',
          filters: Array.from({ length: MAX_CODING_FILTER_PARTS }, () => ({
            $type: 'AllCodingsFilter' as const,
          })),
        },
        { $type: 'AllCodingsFilter' },
      ],
    }
    expect(() => compileCodingFilter(many)).toThrow(AppError)
    expect(() => compileCodingFilter(many)).toThrow(`at most ${MAX_CODING_FILTER_PARTS} filters`)
    const words = Array.from({ length: 11 }, (_, i) => `word${i}x`).join(' ')
    expect(() => compileCodingFilter(label({ label: words }))).toThrow(/at most 10 words/)
  })
})
