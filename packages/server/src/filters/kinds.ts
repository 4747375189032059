import type { FilterType } from '@cairn/protocol'
import { badRequest } from '../http/app-error.ts'
import { EVERY_DOCUMENT_TERM, type IndexQuery } from '../storage/index-query.ts'
import type { FilterKind, FilterOf, SearchTarget } from './filter-kind.ts'
import { MAX_NAME_LENGTH, TERMS, dateBound, normalizeName } from './search-terms.ts'

/*
 * Building blocks of the filter kinds (filter-registry.ts lists every kind). Each turns the fields of
 * one MedTech filter into an IndexQuery over the terms that search-terms.ts indexes.
 */

/** A kind from its parts; `dataOwnerOf` defaults to the filter's `healthcarePartyId`. */
export function kind<T extends FilterType>(
  type: T,
  entity: SearchTarget,
  compile: (filter: FilterOf<T>) => IndexQuery,
  options: Partial<Pick<FilterKind<T>, 'dataOwnerOf' | 'order'>> = {},
): FilterKind<T> {
  return {
    type,
    entity,
    compile,
    dataOwnerOf: options.dataOwnerOf ?? ((f) => (f as { healthcarePartyId?: string }).healthcarePartyId),
    ...(options.order ? { order: options.order } : {}),
  }
}

/** Documents among these ids. */
export const byIdList = (ids: readonly string[]): IndexQuery => ({ op: 'ids', ids })

/** Documents having one of these terms. */
export const anyTerm = (terms: readonly string[]): IndexQuery => ({ op: 'term', terms })

/** Every document (within the caller's access). */
export const everything: IndexQuery = { op: 'all' }

/** Documents with one of these identifiers (system and value). */
export function byIdentifiers(identifiers: readonly { system?: string; value?: string }[]): IndexQuery {
  return anyTerm(identifiers.map((i) => TERMS.identifier(i.system, i.value)))
}

/**
 * Documents with a label and/or a code: a type alone matches any code of that type; a code needs its
 * type (400 otherwise: a code means nothing outside its code system). Both given: both must match.
 * Neither: every document.
 */
export function byLabelAndCode(
  label: { type?: string; code?: string },
  code: { type?: string; code?: string },
): IndexQuery {
  const parts: IndexQuery[] = []
  for (const [what, ref, term] of [
    ['label', label, TERMS.label],
    ['code', code, TERMS.code],
  ] as const) {
    if (ref.code && !ref.type) throw badRequest(`A ${what} code needs its ${what} type (the code system)`)
    if (ref.type) parts.push(anyTerm([term(ref.type, ref.code || undefined)]))
  }
  return parts.length === 0 ? everything : parts.length === 1 ? parts[0] : { op: 'and', of: parts }
}

/**
 * Documents whose sort date lies in [min, max] (either bound optional). Undated documents (sort value
 * 0) never match a range. `dateTimes`: the type is dated YYYYMMDDhhmmss, so a bound given as a date
 * covers that whole day.
 */
export function dateRange(min: number | undefined, max: number | undefined, dateTimes: boolean): IndexQuery {
  return {
    op: 'term',
    terms: [EVERY_DOCUMENT_TERM],
    min: Math.max(1, dateBound(min, false, dateTimes) ?? 1),
    ...(max !== undefined ? { max: dateBound(max, true, dateTimes) } : {}),
  }
}

/** Documents with a name containing the search string (normalised); an empty search selects every one. */
export function nameContains(search: string | undefined): IndexQuery {
  // Names are indexed on their first MAX_NAME_LENGTH characters: a longer search is cut the same way.
  const prefix = Array.from(normalizeName(search ?? ''))
    .slice(0, MAX_NAME_LENGTH)
    .join('')
  return prefix === '' ? everything : { op: 'name', prefix }
}
