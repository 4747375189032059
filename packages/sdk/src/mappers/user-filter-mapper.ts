import type { UserFilterDto } from '@cairn/protocol'
import { SdkError } from '../http/sdk-error.ts'
import type { Filter } from '../filter/filter.ts'
import type { User } from '../models/index.ts'

/** A filter object as an app builds it: `$type` plus the fields of that filter. */
type AnyFilter = Filter<User> & {
  ids?: Iterable<string>
  patientId?: string
  filters?: Filter<User>[]
  superSet?: Filter<User>
  subSet?: Filter<User>
}

/**
 * A MedTech user filter -> its wire form: `AllUsersFilter`, `UserByIdsFilter {ids}`,
 * `UsersByPatientIdFilter {patientId}`, copied field by field (nothing else travels), and unions,
 * intersections and complements of them, mapped recursively. An unknown `$type` (a NoOpFilter nested
 * in a composition included) throws MedTech's `No mapper for <type>`.
 */
export function userFilterToDto(filter: Filter<User>): UserFilterDto {
  const f = filter as AnyFilter
  // Deserialised MedTech objects often carry `description: null`: only a string travels.
  const description = typeof f.description === 'string' ? { description: f.description } : {}
  const many = () => (f.filters ?? []).map((inner) => userFilterToDto(inner))
  switch (f.$type) {
    case 'AllUsersFilter':
      return { $type: 'AllUsersFilter', ...description }
    case 'UserByIdsFilter':
      return { $type: 'UserByIdsFilter', ...description, ids: [...(f.ids ?? [])] }
    case 'UsersByPatientIdFilter':
      return { $type: 'UsersByPatientIdFilter', ...description, patientId: f.patientId ?? '' }
    case 'IntersectionFilter':
      return { $type: 'IntersectionFilter', ...description, filters: many() }
    case 'UnionFilter':
      return { $type: 'UnionFilter', ...description, filters: many() }
    case 'ComplementFilter':
      return {
        $type: 'ComplementFilter',
        ...description,
        superSet: userFilterToDto(f.superSet ?? ({} as Filter<User>)),
        subSet: userFilterToDto(f.subSet ?? ({} as Filter<User>)),
      }
    default:
      throw new SdkError('BAD_REQUEST', `No mapper for ${f.$type}`)
  }
}
