import { badRequest } from '../../http/app-error.ts'

/**
 * 400 naming the first id given twice in one batch: the second write or deletion of an id would work
 * from a state the first one replaced, so the batch cannot mean anything consistent.
 */
export function assertUniqueIds(ids: readonly string[]): void {
  const seen = new Set<string>()
  for (const id of ids) {
    if (seen.has(id)) throw badRequest(`Duplicate id ${id} in the batch`)
    seen.add(id)
  }
}
