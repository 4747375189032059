import { marshalFields, type Marshalled, type ModelInit } from './model-utils.ts'

/**
 * The `Filter` model of the MedTech API: a described filter, with only a `description`. This is a model
 * class kept for API compatibility; it is not the `Filter<T>` interface of the filter DSL.
 */
export class Filter {
  /** Human-readable description of the filter. */
  declare description: string

  /** Copies the given fields. */
  constructor(json: ModelInit<Filter>) {
    Object.assign(this, json)
  }

  /** Plain JSON form of this filter. */
  marshal(): Marshalled<Filter> {
    return marshalFields(this) as Marshalled<Filter>
  }
}
