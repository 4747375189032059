import { ENTITY_ROUTES, MAX_BATCH_SIZE, type DeletionDto, type EntityType } from '@cairn/protocol'
import type { ApiContext } from './api-context.ts'
import { forgetDataOwner } from './forget-data-owner.ts'

/**
 * Deletes encrypted entities of one type on the server: one request for one id, otherwise batches of
 * MAX_BATCH_SIZE ids, each one transaction (all of its ids deleted or none). Answers each id with the
 * rev of its tombstone, in the order given. A deleted patient is also forgotten by the key caches:
 * patients are data owners, and what the SDK knew of its keys must be read again.
 */
export async function deleteEntities(
  ctx: ApiContext,
  type: EntityType,
  ids: readonly string[],
): Promise<DeletionDto[]> {
  const routes = ENTITY_ROUTES[type]
  const out: DeletionDto[] = []
  if (ids.length === 1) out.push(await ctx.http.call(routes.delete, { params: { id: ids[0] } }))
  else
    for (let start = 0; start < ids.length; start += MAX_BATCH_SIZE)
      out.push(
        ...(await ctx.http.call(routes.deleteBatch, {
          body: { ids: ids.slice(start, start + MAX_BATCH_SIZE) },
        })),
      )
  if (type === 'patient') for (const { id } of out) forgetDataOwner(ctx, id)
  return out
}
