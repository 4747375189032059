import { CodingReference } from './coding-reference.ts'
import { applyFields, marshalFields, wrapOptional, type Marshalled, type ModelInit } from './model-utils.ts'

/**
 * A business identifier of an entity (e.g. a hospital record number), FHIR-style: which system issued it,
 * what kind of identifier it is and its value. Cairn does not enforce uniqueness.
 */
export class Identifier {
  /** Id of this identifier entry. */
  declare id?: string
  /** The organisation that issued the identifier. */
  declare assigner?: string
  /** Start of validity (fuzzy date or epoch, as chosen by the application). */
  declare start?: string
  /** End of validity. */
  declare end?: string
  /** The namespace of the identifier value (usually a URI). */
  declare system?: string
  /** Coded kind of identifier. */
  declare type?: CodingReference
  /** Purpose of the identifier (usual, official, temp, secondary, old). */
  declare use?: string
  /** The identifier value itself. */
  declare value?: string

  /** Copies the given fields and re-wraps `type` as a {@link CodingReference}. */
  constructor(json: ModelInit<Identifier>) {
    const source = json ?? {}
    Object.assign(this, source)
    applyFields<Identifier>(this, { type: wrapOptional(source.type, CodingReference) })
  }

  /** Plain JSON form of this identifier. */
  marshal(): Marshalled<Identifier> {
    return marshalFields(this)
  }
}
