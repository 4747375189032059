import { MAX_CODING_FILTER_PARTS, type CodingFilterDto } from '@cairn/protocol'
import { badRequest } from '../../http/app-error.ts'
import type { CodingQuery } from '../../storage/coding-store.ts'
import { foldText, searchWords } from './label-words.ts'

/**
 * Turns a coding filter into a storage query. `CodingByRegionTypeLabelFilter` matches `region` and
 * `type` exactly and the words of `label` by prefix (label-words.ts); empty strings count as absent,
 * as the MedTech builder treats them. Unions, intersections and complements nest; a filter of more
 * than MAX_CODING_FILTER_PARTS leaf filters in all is a 400, since each leaf is a subquery.
 */
export function compileCodingFilter(filter: CodingFilterDto): CodingQuery {
  let leaves = 0
  const compile = (f: CodingFilterDto): CodingQuery => {
    switch (f.$type) {
      case 'UnionFilter':
        return { op: 'or', of: f.filters.map(compile) }
      case 'IntersectionFilter':
        return { op: 'and', of: f.filters.map(compile) }
      case 'ComplementFilter':
        return { op: 'and', of: [compile(f.superSet), { op: 'not', of: compile(f.subSet) }] }
    }
    if (++leaves > MAX_CODING_FILTER_PARTS)
      throw badRequest(`A coding filter combines at most ${MAX_CODING_FILTER_PARTS} filters`)
    switch (f.$type) {
      case 'AllCodingsFilter':
        return { op: 'all' }
      case 'CodingByIdsFilter':
        return { op: 'ids', ids: f.ids }
      case 'CodingByRegionTypeLabelFilter':
        return matchOf(f)
    }
  }
  return compile(filter)
}

/** The `match` query of a region / type / language / label filter. */
function matchOf(f: { region?: string; type?: string; language?: string; label?: string }): CodingQuery {
  let words: string[]
  try {
    words = f.label ? searchWords(f.label) : []
  } catch (e) {
    throw badRequest(`CodingByRegionTypeLabelFilter: ${(e as Error).message}`)
  }
  // A label with no letter or digit ("--") selects nothing rather than everything.
  if (f.label && foldText(f.label).trim() !== '' && words.length === 0) return { op: 'none' }
  return {
    op: 'match',
    ...(f.type ? { type: f.type } : {}),
    ...(f.region ? { region: f.region } : {}),
    ...(f.language ? { language: f.language } : {}),
    words,
  }
}
