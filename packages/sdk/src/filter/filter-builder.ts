import type { Filter } from './filter.ts'

/*
 * The abstract bases of the MedTech filter DSL. They live apart from filter-dsl.ts (which re-exports
 * them) so that the builders can extend them without an import cycle: filter-dsl.ts re-exports the
 * builders, and a class cannot extend a binding of a module that is still being evaluated.
 */

/** Base of the filter builders (MedTech `FilterBuilder`): `build()` gives the filter collected so far. */
export abstract class FilterBuilder<T> {
  abstract build(): Promise<Filter<T>>
}

/** A builder with a sort key (MedTech `SortableFilterBuilder`): `sort` marks the next criterion as the key. */
export abstract class SortableFilterBuilder<T, F> extends FilterBuilder<T> {
  abstract get sort(): F
}

/**
 * A builder of filters that embed a data owner id (MedTech `DataOwnerFilterBuilder`): pick the data
 * owner first, `forDataOwner(id)` or `forSelf()` (the current user's), then add criteria.
 */
export abstract class DataOwnerFilterBuilder<T, F> {
  /** Phantom marker of the filtered entity type; never set. */
  declare readonly __entity?: T
  abstract forDataOwner(dataOwnerId: string): F
  abstract forSelf(): F
}
