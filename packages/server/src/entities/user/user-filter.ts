import type { UserFilterDto } from '@cairn/protocol'
import type { UserQuery } from '../../storage/storage.ts'
import { MAX_FILTER_LEAVES, MAX_FILTER_QUERY_VALUES } from '../../filters/filter-limits.ts'
import { badRequest } from '../../http/app-error.ts'

/** A compiled user filter: the storage query, and the patient ids it names (each must be a patient). */
export interface CompiledUserFilter {
  query: UserQuery
  /** Data owner ids of UsersByPatientIdFilters: each must name a patient, not a professional or device. */
  patientIds: string[]
}

/**
 * Turns a user filter into a storage query: leaves become criteria, intersections `all`, unions `any`,
 * complements `not`. Everything the caller may not see is removed afterwards by the directory service.
 * More than 50 leaves or 10,000 ids in all is a 400 (one statement must hold them).
 */
export function compileUserFilter(filter: UserFilterDto): CompiledUserFilter {
  const patientIds: string[] = []
  // Bounded as the other filters are (filter-registry.ts): each leaf and id is part of one statement.
  let leaves = 0
  let values = 0
  const visit = (f: UserFilterDto): UserQuery => {
    switch (f.$type) {
      case 'AllUsersFilter':
        leaves++
        return {}
      case 'UserByIdsFilter':
        leaves++
        values += f.ids.length
        return { ids: [...f.ids] }
      case 'UsersByPatientIdFilter':
        leaves++
        patientIds.push(f.patientId)
        return { dataOwnerId: f.patientId }
      case 'IntersectionFilter':
        return { all: f.filters.map(visit) }
      case 'UnionFilter':
        return { any: f.filters.map(visit) }
      case 'ComplementFilter':
        return { all: [visit(f.superSet)], not: visit(f.subSet) }
    }
  }
  const query = visit(filter)
  if (leaves > MAX_FILTER_LEAVES)
    throw badRequest(`A filter combines at most ${MAX_FILTER_LEAVES} filters (this one: ${leaves})`)
  if (values > MAX_FILTER_QUERY_VALUES)
    throw badRequest(`A filter lists at most ${MAX_FILTER_QUERY_VALUES} ids in all (this one: ${values})`)
  return { query, patientIds }
}

/** `query` with the criteria on `dataOwnerId`s outside `keep` replaced by "nobody". */
export function withoutDataOwners(query: UserQuery, drop: ReadonlySet<string>): UserQuery {
  const { dataOwnerId, all, any, not, ...rest } = query
  return {
    ...rest,
    ...(dataOwnerId !== undefined ? (drop.has(dataOwnerId) ? { ids: [] } : { dataOwnerId }) : {}),
    ...(all ? { all: all.map((q) => withoutDataOwners(q, drop)) } : {}),
    ...(any ? { any: any.map((q) => withoutDataOwners(q, drop)) } : {}),
    ...(not ? { not: withoutDataOwners(not, drop) } : {}),
  }
}
