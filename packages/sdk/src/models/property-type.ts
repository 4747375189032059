import { marshalFields, type Marshalled, type ModelInit } from './model-utils.ts'

/** The value types a property (and a {@link TypedValueObject}) can hold. */
export type PropertyTypeTypeEnum = 'BOOLEAN' | 'INTEGER' | 'DOUBLE' | 'STRING' | 'DATE' | 'CLOB' | 'JSON'

/** The definition of a property: its identifier and the type of value it holds. */
export class PropertyType {
  /** The identifier of the property (e.g. `org.example.preferredLanguage`). */
  declare identifier?: string
  /** The type of the property value. */
  declare type?: PropertyTypeTypeEnum

  /** Copies the given fields. */
  constructor(json: ModelInit<PropertyType>) {
    Object.assign(this, json)
  }

  /** Plain JSON form of this property type. */
  marshal(): Marshalled<PropertyType> {
    return marshalFields(this)
  }
}
