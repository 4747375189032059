import {
  applyFields,
  marshalFields,
  wrapOptionalArray,
  type Marshalled,
  type ModelInit,
} from './model-utils.ts'

/**
 * A series of multi-field samples (e.g. an ECG) with per-field statistics. No field has a default; the
 * given arrays are copied so that the new instance does not share them with its source.
 */
export class TimeSeries {
  /** Names of the fields of each sample. */
  declare fields: string[]
  /** The samples: one array of field values per sample. */
  declare samples: number[][]
  /** Minimum of each field. */
  declare min: number[]
  /** Maximum of each field. */
  declare max: number[]
  /** Mean of each field. */
  declare mean: number[]
  /** Median of each field. */
  declare median: number[]
  /** Variance of each field. */
  declare variance: number[]

  /** Copies the given fields (arrays are copied, `samples` row by row). */
  constructor(json: ModelInit<TimeSeries>) {
    const source = json ?? {}
    Object.assign(this, source)
    applyFields<TimeSeries>(this, {
      fields: wrapOptionalArray<string>(source.fields),
      samples: wrapOptionalArray<unknown>(source.samples)?.map(
        (row) => (wrapOptionalArray<number>(row) ?? row) as number[],
      ),
      min: wrapOptionalArray<number>(source.min),
      max: wrapOptionalArray<number>(source.max),
      mean: wrapOptionalArray<number>(source.mean),
      median: wrapOptionalArray<number>(source.median),
      variance: wrapOptionalArray<number>(source.variance),
    })
  }

  /** Plain JSON form of this series. */
  marshal(): Marshalled<TimeSeries> {
    return marshalFields(this) as Marshalled<TimeSeries>
  }
}
