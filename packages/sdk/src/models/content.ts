import { DataSample } from './data-sample.ts'
import { Measure } from './measure.ts'
import {
  applyFields,
  marshalFields,
  toArrayBuffer,
  wrapArray,
  wrapOptional,
  type Marshalled,
  type ModelInit,
} from './model-utils.ts'
import { TimeSeries } from './time-series.ts'

/**
 * The value of a data sample in one language: text, number, boolean, date, binary, a measure, a time
 * series, a reference to a document, or nested data samples (`compoundValue`).
 */
export class Content {
  /** Text value. */
  declare stringValue?: string
  /** Numeric value. */
  declare numberValue?: number
  /** Boolean value. */
  declare booleanValue?: boolean
  /** Instant value (epoch ms). */
  declare instantValue?: number
  /** Fuzzy date value (YYYYMMDDhhmmss, zeros for unknown parts). */
  declare fuzzyDateValue?: number
  /** Binary value; accepts an ArrayBuffer or a base64 string, marshalled as base64. */
  declare binaryValue?: ArrayBuffer
  /** Id of the {@link Document} holding an attachment. */
  declare documentId?: string
  /** Measured value. */
  declare measureValue?: Measure
  /** Time series value. */
  declare timeSeries?: TimeSeries
  /** Nested data samples (default `[]`). */
  declare compoundValue: DataSample[]
  /** Ratio, as a list of measures (default `[]`). */
  declare ratio: Measure[]
  /** Range, as a list of measures (default `[]`). */
  declare range: Measure[]

  /** Copies the given fields, decoding `binaryValue` and re-wrapping nested measures and samples. */
  constructor(json: ModelInit<Content>) {
    const source = json ?? {}
    Object.assign(this, source)
    applyFields<Content>(this, {
      binaryValue: toArrayBuffer(source.binaryValue),
      measureValue: wrapOptional(source.measureValue, Measure),
      timeSeries: wrapOptional(source.timeSeries, TimeSeries),
      compoundValue: wrapArray(source.compoundValue, DataSample),
      ratio: wrapArray(source.ratio, Measure),
      range: wrapArray(source.range, Measure),
    })
  }

  /** Plain JSON form of this content (binary as base64, nested models marshalled). */
  marshal(): Marshalled<Content> {
    return marshalFields(this) as Marshalled<Content>
  }
}
