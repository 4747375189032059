import type { UserFilterDto } from '@cairn/protocol'
import { SdkError, notAvailable } from '../http/sdk-error.ts'
import type { Filter } from '../filter/filter.ts'
import type { User } from '../models/index.ts'

type BasicUserFilterDto = Exclude<UserFilterDto, { $type: 'IntersectionFilter' }>

/** A filter object as an app builds it: `$type` plus the fields of that filter. */
type AnyFilter = Filter<User> & { ids?: Iterable<string>; patientId?: string; filters?: Filter<User>[] }

/** One of the three user filters, copied field by field (nothing else travels). */
function basic(filter: AnyFilter): BasicUserFilterDto {
  const description = filter.description !== undefined ? { description: filter.description } : {}
  switch (filter.$type) {
    case 'AllUsersFilter':
      return { $type: 'AllUsersFilter', ...description }
    case 'UserByIdsFilter':
      return { $type: 'UserByIdsFilter', ...description, ids: [...(filter.ids ?? [])] }
    case 'UsersByPatientIdFilter':
      return { $type: 'UsersByPatientIdFilter', ...description, patientId: filter.patientId ?? '' }
    default:
      throw new SdkError('BAD_REQUEST', `No mapper for ${filter.$type}`)
  }
}

/**
 * A MedTech user filter -> its wire form: `AllUsersFilter`, `UserByIdsFilter {ids}`,
 * `UsersByPatientIdFilter {patientId}`, and intersections of them (what `UserFilter` builds from
 * several criteria). An unknown `$type` throws MedTech's `No mapper for <type>`; unions and
 * complements of user filters are not available yet (docs/compatibility.md).
 */
export function userFilterToDto(filter: Filter<User>): UserFilterDto {
  const f = filter as AnyFilter
  if (f.$type === 'IntersectionFilter') {
    return {
      $type: 'IntersectionFilter',
      ...(f.description !== undefined ? { description: f.description } : {}),
      filters: (f.filters ?? []).map((inner) => basic(inner as AnyFilter)),
    }
  }
  if (f.$type === 'UnionFilter' || f.$type === 'ComplementFilter')
    throw notAvailable(`userApi filters with ${f.$type}`)
  return basic(f)
}
