import { LEAF_FILTERS, MAX_COMPOSED_FILTERS, type FilterDto } from '@cairn/protocol'
import { SdkError } from '../http/sdk-error.ts'
import type { Filter } from '../filter/filter.ts'

/** The searchable types of the SDK, by the PascalCase names of the protocol (LEAF_FILTERS keys). */
export type SearchableName = keyof typeof LEAF_FILTERS

/** Field names of each leaf `$type`, from the protocol's schemas: nothing else travels. */
const LEAF_FIELDS: ReadonlyMap<string, { name: SearchableName; fields: readonly string[] }> = new Map(
  (Object.keys(LEAF_FILTERS) as SearchableName[]).flatMap((name) =>
    LEAF_FILTERS[name].map(
      (schema) =>
        [
          String(schema.$id),
          { name, fields: Object.keys(schema.properties as object).filter((k) => k !== '$type') },
        ] as const,
    ),
  ),
)

type AnyFilter = Filter<unknown> & Record<string, unknown>

/** A field value as it travels: Sets become arrays; identifiers are matched on system and value only. */
function wireValue(field: string, value: unknown): unknown {
  const list = value instanceof Set ? [...(value as Set<unknown>)] : value
  if (field === 'identifiers' && Array.isArray(list)) {
    return list.map((i) => {
      const { system, value: v } = (i ?? {}) as { system?: unknown; value?: unknown }
      return {
        ...(typeof system === 'string' ? { system } : {}),
        ...(typeof v === 'string' ? { value: v } : {}),
      }
    })
  }
  return Array.isArray(list) ? [...(list as unknown[])] : list
}

/**
 * A MedTech filter of `name` (as the DSL builds it, or written by hand as the MedTech docs show) ->
 * its wire form: leaves copied field by field (the fields the protocol defines for their `$type`),
 * unions, intersections and complements mapped recursively. A `$type` that is not a filter of this
 * type throws MedTech's `No mapper for <type>` (so does a NoOpFilter nested in a composition: the
 * API methods answer a top-level one without a request).
 */
export function filterToDto(filter: Filter<unknown>, name: SearchableName): FilterDto {
  const f = filter as AnyFilter
  const description = typeof f.description === 'string' ? { description: f.description } : {}
  const many = (list: unknown): FilterDto[] => {
    const filters = Array.isArray(list) ? list : []
    if (filters.length === 0 || filters.length > MAX_COMPOSED_FILTERS)
      throw new SdkError(
        'BAD_REQUEST',
        `A ${f.$type} combines 1 to ${MAX_COMPOSED_FILTERS} filters (got ${filters.length})`,
      )
    return filters.map((g) => filterToDto(g as Filter<unknown>, name))
  }
  switch (f.$type) {
    case 'UnionFilter':
      return { $type: 'UnionFilter', ...description, filters: many(f.filters) }
    case 'IntersectionFilter':
      return { $type: 'IntersectionFilter', ...description, filters: many(f.filters) }
    case 'ComplementFilter':
      return {
        $type: 'ComplementFilter',
        ...description,
        superSet: filterToDto(f.superSet as Filter<unknown>, name),
        subSet: filterToDto(f.subSet as Filter<unknown>, name),
      }
  }
  const leaf = LEAF_FIELDS.get(f.$type)
  if (!leaf || leaf.name !== name) throw new SdkError('BAD_REQUEST', `No mapper for ${String(f.$type)}`)
  const out: Record<string, unknown> = { $type: f.$type }
  for (const field of leaf.fields) {
    if (f[field] !== undefined && f[field] !== null) out[field] = wireValue(field, f[field])
  }
  return out as FilterDto
}
