import type { CodingFilterDto } from '@cairn/protocol'
import { SdkError } from '../http/sdk-error.ts'
import type { Filter } from '../filter/filter.ts'
import type { Coding } from '../models/index.ts'

/** A filter object as an app builds it: `$type` plus the fields of that filter. */
type AnyFilter = Filter<Coding> & {
  ids?: Iterable<string>
  region?: string
  type?: string
  language?: string
  label?: string
  filters?: Filter<Coding>[]
  superSet?: Filter<Coding>
  subSet?: Filter<Coding>
}

/** `{description}` when the filter has one. */
const descriptionOf = (f: AnyFilter) => (f.description !== undefined ? { description: f.description } : {})

/**
 * A MedTech coding filter -> its wire form, field by field (nothing else travels):
 * `AllCodingsFilter`, `CodingByIdsFilter {ids}`, `CodingByRegionTypeLabelFilter {region, type,
 * language, label}`, and unions, intersections and complements of them, mapped recursively. Any other
 * `$type` (a NoOpFilter nested in a composition included) throws MedTech's `No mapper for <type>`.
 */
export function codingFilterToDto(filter: Filter<Coding>): CodingFilterDto {
  const f = filter as AnyFilter
  switch (f.$type) {
    case 'AllCodingsFilter':
      return { $type: 'AllCodingsFilter', ...descriptionOf(f) }
    case 'CodingByIdsFilter':
      return { $type: 'CodingByIdsFilter', ...descriptionOf(f), ids: [...(f.ids ?? [])] }
    case 'CodingByRegionTypeLabelFilter': {
      const out: CodingFilterDto & Record<string, unknown> = {
        $type: 'CodingByRegionTypeLabelFilter',
        ...descriptionOf(f),
      }
      for (const key of ['region', 'type', 'language', 'label'] as const)
        if (f[key] != null) out[key] = f[key]
      return out
    }
    case 'UnionFilter':
    case 'IntersectionFilter':
      return { $type: f.$type, ...descriptionOf(f), filters: (f.filters ?? []).map(codingFilterToDto) }
    case 'ComplementFilter':
      if (!f.superSet || !f.subSet)
        throw new SdkError('BAD_REQUEST', 'A ComplementFilter needs a superSet and a subSet')
      return {
        $type: 'ComplementFilter',
        ...descriptionOf(f),
        superSet: codingFilterToDto(f.superSet),
        subSet: codingFilterToDto(f.subSet),
      }
    default:
      throw new SdkError('BAD_REQUEST', `No mapper for ${f.$type}`)
  }
}
