import { marshalFields, type Marshalled, type ModelInit } from './model-utils.ts'

/**
 * A reference to a code of a codification system (SNOMED CT, LOINC, ...), used for the labels and codes
 * of every entity. Its `id` is conventionally `type|code|version`.
 */
export class CodingReference {
  /** The id of the referenced coding, conventionally `type|code|version`. */
  declare id?: string
  /** The codification system (e.g. `SNOMEDCT`, `LOINC`). */
  declare type?: string
  /** The code inside the codification system. */
  declare code?: string
  /** The version of the codification system. */
  declare version?: string

  /**
   * Builds a reference from its fields. A missing `id` stays missing (Cairn keeps what the caller gave);
   * use {@link CodingReference.fromDto} where the original SDK derived it, i.e. when reading from the wire.
   */
  constructor(json: ModelInit<CodingReference>) {
    Object.assign(this, json)
  }

  /**
   * Builds a reference from stored/wire data: when the data has no `id`, it becomes
   * `` `${type}|${code}|${version}` `` (e.g. `"IC-TEST|TEST|undefined"`), as the original SDK did when
   * mapping a DTO.
   */
  static fromDto(json: ModelInit<CodingReference>): CodingReference {
    const reference = new CodingReference(json)
    if (reference.id === undefined || reference.id === null) {
      reference.id = `${reference.type}|${reference.code}|${reference.version}`
    }
    return reference
  }

  /** Plain JSON form of this reference. */
  marshal(): Marshalled<CodingReference> {
    return marshalFields(this)
  }
}
