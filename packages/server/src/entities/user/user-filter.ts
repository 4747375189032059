import type { UserFilterDto } from '@cairn/protocol'
import type { UserQuery } from '../../storage/storage.ts'

/** A compiled user filter: the storage query, and the patient whose record must exist (if any). */
export interface CompiledUserFilter {
  query: UserQuery
  /** For UsersByPatientIdFilter: the data owner must be a patient, not a professional or device. */
  patientId?: string
  /** The filter can match nothing (disjoint ids or patients). */
  empty: boolean
}

/**
 * Turns a user filter into a storage query. An intersection intersects the id lists and needs one
 * patient id; everything the caller may not see is removed afterwards by the directory service.
 */
export function compileUserFilter(filter: UserFilterDto): CompiledUserFilter {
  const parts = filter.$type === 'IntersectionFilter' ? filter.filters : [filter]
  let ids: string[] | undefined
  let patientId: string | undefined
  let empty = false
  for (const part of parts) {
    if (part.$type === 'UserByIdsFilter') {
      ids = ids === undefined ? [...part.ids] : ids.filter((id) => part.ids.includes(id))
    } else if (part.$type === 'UsersByPatientIdFilter') {
      if (patientId !== undefined && patientId !== part.patientId) empty = true
      patientId = part.patientId
    }
  }
  return {
    query: { ...(ids ? { ids } : {}), ...(patientId !== undefined ? { dataOwnerId: patientId } : {}) },
    patientId,
    empty: empty || ids?.length === 0,
  }
}
