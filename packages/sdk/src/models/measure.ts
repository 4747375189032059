import { CodingReference } from './coding-reference.ts'
import {
  applyFields,
  marshalFields,
  wrapOptionalSet,
  type Marshalled,
  type ModelInit,
} from './model-utils.ts'

/** A measured value with its unit, bounds and interpretation (the numeric content of a data sample). */
export class Measure {
  /** The measured value. */
  declare value?: number
  /** Lower bound of the normal range. */
  declare min?: number
  /** Upper bound of the normal range. */
  declare max?: number
  /** Reference value. */
  declare ref?: number
  /** Severity level. */
  declare severity?: number
  /** Code of the severity. */
  declare severityCode?: string
  /** Evolution compared to the previous value. */
  declare evolution?: number
  /** Unit of the value (free text, e.g. `mmol/L`). */
  declare unit?: string
  /** Coded units; undefined when not given (and when given empty, see the constructor). */
  declare unitCodes?: Set<CodingReference>
  /** Free-text comment. */
  declare comment?: string
  /** Comparator qualifying the value (`<`, `>`, ...). */
  declare comparator?: string

  /**
   * Copies the given fields; `unitCodes` becomes a new Set of {@link CodingReference}. Because `marshal()`
   * omits empty unit codes (as the original does), an empty `unitCodes` is normalised to undefined here so
   * that an instance and its marshalled round trip stay equal.
   */
  constructor(json: ModelInit<Measure>) {
    const source = json ?? {}
    Object.assign(this, source)
    const unitCodes = wrapOptionalSet(source.unitCodes, CodingReference)
    applyFields<Measure>(this, { unitCodes: unitCodes?.size ? unitCodes : undefined })
  }

  /** Plain JSON form of this measure; `unitCodes` is omitted when empty. */
  marshal(): Marshalled<Measure> {
    const json = marshalFields(this)
    if (!this.unitCodes?.size) delete json.unitCodes
    return json
  }
}
