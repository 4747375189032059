import { applyFields, marshalFields, wrapOptional, type Marshalled, type ModelInit } from './model-utils.ts'
import { PropertyType } from './property-type.ts'
import { TypedValueObject } from './typed-value-object.ts'

/** An extensible, typed key/value attached to patients, professionals, devices, users or notifications. */
export class Property {
  /** Id of the property. */
  declare id?: string
  /** The property definition (identifier and value type). */
  declare type?: PropertyType
  /** The value. */
  declare typedValue?: TypedValueObject
  /** Soft-deletion timestamp (epoch ms). */
  declare deleted?: number

  /** Copies the given fields and re-wraps `type` and `typedValue`. */
  constructor(json: ModelInit<Property>) {
    const source = json ?? {}
    Object.assign(this, source)
    applyFields<Property>(this, {
      type: wrapOptional(source.type, PropertyType),
      typedValue: wrapOptional(source.typedValue, TypedValueObject),
    })
  }

  /** Plain JSON form of this property. */
  marshal(): Marshalled<Property> {
    return marshalFields(this)
  }
}
