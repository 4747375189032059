import type { preValidationHookHandler } from 'fastify'
import { badRequest } from '../http/app-error.ts'
import type { SearchTarget } from './filter-kind.ts'
import { acceptsFilterType, isFilterType } from './filter-registry.ts'

/**
 * preValidation hook of the filter and match routes of `target`: a filter of another type (a known
 * `$type`, at the top of the body) would fail the schema with the errors of every filter the route
 * accepts; it gets one clear 400 instead. Nested filters of another type are refused by compileFilter.
 */
export function filterTypeGuard(target: SearchTarget): preValidationHookHandler {
  return (request, _reply, done) => {
    const filter = (request.body as { filter?: { $type?: unknown } } | null)?.filter
    const $type = typeof filter?.$type === 'string' ? filter.$type : undefined
    done(
      $type && isFilterType($type) && !acceptsFilterType(target, $type)
        ? badRequest(`Unsupported filter ${$type} for ${target}`)
        : undefined,
    )
  }
}

/** The MedTech PaginatedList JSON of a page of stored documents (rows as stored, not re-serialised). */
export function paginatedListJson(page: { rows: string[]; total: number; nextId?: string }): string {
  const next = page.nextId ? `{"startKeyDocId":${JSON.stringify(page.nextId)}}` : '{}'
  return `{"pageSize":${page.rows.length},"totalSize":${page.total},"rows":[${page.rows.join(',')}],"nextKeyPair":${next}}`
}
