import { marshalFields, type Marshalled, type ModelInit } from './model-utils.ts'
import type { PropertyTypeTypeEnum } from './property-type.ts'

/** The type of value a {@link TypedValueObject} holds (same values as a property type). */
export type TypedValueObjectTypeEnum = PropertyTypeTypeEnum

/** A value tagged with its type; the field matching `type` holds the value. */
export class TypedValueObject {
  /** Which of the value fields is meaningful. */
  declare type?: TypedValueObjectTypeEnum
  /** Value when `type` is BOOLEAN. */
  declare booleanValue?: boolean
  /** Value when `type` is INTEGER. */
  declare integerValue?: number
  /** Value when `type` is DOUBLE. */
  declare doubleValue?: number
  /** Value when `type` is STRING, CLOB or JSON. */
  declare stringValue?: string
  /** Value when `type` is DATE (epoch ms). */
  declare dateValue?: number

  /** Copies the given fields. */
  constructor(json: ModelInit<TypedValueObject>) {
    Object.assign(this, json)
  }

  /** Plain JSON form of this value. */
  marshal(): Marshalled<TypedValueObject> {
    return marshalFields(this)
  }
}
