import type { FilterAccumulator } from './filter-accumulator.ts'

/**
 * MedTech's sort decorator `S` of a builder: each of the named criteria adds its filter through the
 * builder (the method of the same name), then marks it as the sort key (its filter comes first in
 * the intersection, so that the results follow its order), and returns the builder. A criterion
 * that throws marks nothing.
 */
export function sortStep<S>(
  builder: object,
  accumulator: Pick<FilterAccumulator<unknown>, 'markLastAsSortKey'>,
  criteria: readonly (keyof S & string)[],
): S {
  const methods = builder as Record<string, (...args: unknown[]) => unknown>
  return Object.fromEntries(
    criteria.map((name) => [
      name,
      (...args: unknown[]) => {
        methods[name].apply(builder, args)
        accumulator.markLastAsSortKey()
        return builder
      },
    ]),
  ) as S
}
