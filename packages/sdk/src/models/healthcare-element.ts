import { CodingReference } from './coding-reference.ts'
import { Identifier } from './identifier.ts'
import {
  applyFields,
  marshalFields,
  wrapArray,
  wrapOptional,
  wrapSet,
  type Marshalled,
  type ModelInit,
} from './model-utils.ts'
import { SystemMetaDataEncrypted } from './system-meta-data-encrypted.ts'

/**
 * A healthcare element: a lasting medical fact about a patient (a condition, an allergy, a treatment
 * plan), to which data samples can be linked. `description` and `note` are encrypted.
 */
export class HealthcareElement {
  /** Id of this version of the element (UUID). */
  declare id?: string
  /** Business identifiers (default `[]`). */
  declare identifiers: Identifier[]
  /** Revision, for optimistic locking. */
  declare rev?: string
  /** Creation time (epoch ms). */
  declare created?: number
  /** Last modification time (epoch ms). */
  declare modified?: number
  /** Id of the user who created the element. */
  declare author?: string
  /** Id of the data owner responsible for the element. */
  declare responsible?: string
  /** Id of the medical location where the element was created. */
  declare medicalLocationId?: string
  /** Labels classifying the element (default empty). */
  declare labels: Set<CodingReference>
  /** Codes qualifying the element (default empty). */
  declare codes: Set<CodingReference>
  /** Soft-deletion time (epoch ms). */
  declare endOfLife?: number
  /** Deletion time (epoch ms). */
  declare deletionDate?: number
  /** Logical id shared by all versions of the element (defaults to `id` on save). */
  declare healthcareElementId?: string
  /** Date of the value (epoch ms). */
  declare valueDate?: number
  /** Start date (epoch ms). */
  declare openingDate?: number
  /** End date (epoch ms). */
  declare closingDate?: number
  /** Description of the element (encrypted). */
  declare description?: string
  /** Free-text note (encrypted). */
  declare note?: string
  /** Crypto bookkeeping. */
  declare systemMetaData?: SystemMetaDataEncrypted

  /** Copies the given fields and normalises identifiers, Sets and metadata. */
  constructor(json: ModelInit<HealthcareElement>) {
    const source = json ?? {}
    Object.assign(this, source)
    applyFields<HealthcareElement>(this, {
      identifiers: wrapArray(source.identifiers, Identifier),
      labels: wrapSet(source.labels, CodingReference),
      codes: wrapSet(source.codes, CodingReference),
      systemMetaData: wrapOptional(source.systemMetaData, SystemMetaDataEncrypted),
    })
  }

  /** Plain JSON form of this element. */
  marshal(): Marshalled<HealthcareElement> {
    return marshalFields(this) as Marshalled<HealthcareElement>
  }
}
