/** A MedTech filter: a plain object discriminated by `$type` (`T` is the entity type it selects). */
export interface Filter<T> {
  $type: string
  description?: string
  /** Phantom marker of the filtered entity type; never set. */
  readonly __entity?: T
}

/** A filter known at build time to match nothing: the API methods answer it without a request. */
export class NoOpFilter<T = unknown> implements Filter<T> {
  readonly $type = 'NoOpFilter'
  description?: string

  /** True for a NoOpFilter (by class, as MedTech does). */
  static isNoOp(filter: unknown): filter is NoOpFilter {
    return filter instanceof NoOpFilter
  }
}

/** Unions and intersections of filters (the server answers them from its index tables). */
export class FilterComposition {
  /** Entities selected by any of the filters. */
  static union<T>(...filters: Filter<T>[]): Filter<T> {
    return { $type: 'UnionFilter', filters } as Filter<T>
  }

  /** Entities selected by every filter. */
  static intersection<T>(...filters: Filter<T>[]): Filter<T> {
    return { $type: 'IntersectionFilter', filters } as Filter<T>
  }
}
