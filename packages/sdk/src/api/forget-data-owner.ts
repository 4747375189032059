import type { ApiContext } from './api-context.ts'

/**
 * Forgets what this API instance cached about a data owner (its published keys and the trust computed
 * from them), after deleting it: nothing is served from a cache for a deleted data owner, and a later
 * read finds its tombstone. The pins of its keys stay (they are what verifies old exchange keys).
 */
export function forgetDataOwner(ctx: ApiContext, dataOwnerId: string): void {
  ctx.dataOwnerKeys.forget(dataOwnerId)
  ctx.keyTrust?.forget(dataOwnerId)
}
