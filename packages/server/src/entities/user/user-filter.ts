import type { UserFilterDto } from '@cairn/protocol'
import type { UserQuery } from '../../storage/storage.ts'

/** A compiled user filter: the storage query, and the patient ids it names (each must be a patient). */
export interface CompiledUserFilter {
  query: UserQuery
  /** Data owner ids of UsersByPatientIdFilters: each must name a patient, not a professional or device. */
  patientIds: string[]
}

/**
 * Turns a user filter into a storage query: leaves become criteria, intersections `all`, unions `any`,
 * complements `not`. Everything the caller may not see is removed afterwards by the directory service.
 */
export function compileUserFilter(filter: UserFilterDto): CompiledUserFilter {
  const patientIds: string[] = []
  const visit = (f: UserFilterDto): UserQuery => {
    switch (f.$type) {
      case 'AllUsersFilter':
        return {}
      case 'UserByIdsFilter':
        return { ids: [...f.ids] }
      case 'UsersByPatientIdFilter':
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
  return { query: visit(filter), patientIds }
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
