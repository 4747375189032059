import { Type } from '@sinclair/typebox'

/** Most filters combined by one union, intersection or complement (nesting is bounded by the JSON depth limit). */
export const MAX_COMPOSED_FILTERS = 50

/*
 * The compositions of filters `F` (MedTech `FilterComposition` and `ComplementFilter`). Interfaces, not
 * one type alias: a filter type is recursive through them (`type F = Leaf | UnionOf<F> | ...`), which
 * TypeScript allows through interfaces only.
 */

/** Entities selected by any of the filters. */
export interface UnionOf<F> {
  $type: 'UnionFilter'
  description?: string
  filters: F[]
}
/** Entities selected by every filter. */
export interface IntersectionOf<F> {
  $type: 'IntersectionFilter'
  description?: string
  filters: F[]
}
/** Entities selected by `superSet` and not by `subSet`. */
export interface ComplementOf<F> {
  $type: 'ComplementFilter'
  description?: string
  superSet: F
  subSet: F
}

/**
 * The recursive filter schema of one searchable type, `$id`: one of its leaves (named schemas, by
 * `$id`), or a union, intersection or complement of such filters. One builder for every type
 * (entities, directories, users, codings), so compositions mean the same everywhere.
 */
export function composedFilterSchema($id: string, leafIds: readonly string[]) {
  const description = Type.Optional(Type.String({ maxLength: 1000 }))
  return Type.Recursive(
    (This) =>
      Type.Union([
        ...leafIds.map((leaf) => Type.Ref(leaf)),
        Type.Object(
          {
            $type: Type.Literal('UnionFilter'),
            description,
            filters: Type.Array(This, { minItems: 1, maxItems: MAX_COMPOSED_FILTERS }),
          },
          { additionalProperties: false },
        ),
        Type.Object(
          {
            $type: Type.Literal('IntersectionFilter'),
            description,
            filters: Type.Array(This, { minItems: 1, maxItems: MAX_COMPOSED_FILTERS }),
          },
          { additionalProperties: false },
        ),
        Type.Object(
          { $type: Type.Literal('ComplementFilter'), description, superSet: This, subSet: This },
          { additionalProperties: false },
        ),
      ]),
    { $id },
  )
}
