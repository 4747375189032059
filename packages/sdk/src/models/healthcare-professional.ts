import { Address } from './address.ts'
import { CodingReference } from './coding-reference.ts'
import {
  applyFields,
  marshalFields,
  toArrayBuffer,
  wrapArray,
  wrapOptional,
  wrapOptionalArray,
  wrapOptionalSet,
  wrapSet,
  type Marshalled,
  type ModelInit,
} from './model-utils.ts'
import { PersonName } from './person-name.ts'
import { Property } from './property.ts'
import { SystemMetaDataOwner } from './system-meta-data-owner.ts'

/** The genders of a healthcare professional (same values as a patient's). */
export type HealthcareProfessionalGenderEnum =
  'male' | 'female' | 'indeterminate' | 'changed' | 'changedToMale' | 'changedToFemale' | 'unknown'

/**
 * A healthcare professional or organisation: a data owner whose data is not encrypted (only its crypto
 * material lives in `systemMetaData`).
 */
export class HealthcareProfessional {
  /** Id (UUID). */
  declare id?: string
  /** Revision, for optimistic locking. */
  declare rev?: string
  /** Creation time (epoch ms). */
  declare created?: number
  /** Last modification time (epoch ms). */
  declare modified?: number
  /** Labels (default empty). */
  declare labels: Set<CodingReference>
  /** Codes (default empty). */
  declare codes: Set<CodingReference>
  /** Deletion time (epoch ms). */
  declare deletionDate?: number
  /** Full name (for organisations). */
  declare name?: string
  /** Last name. */
  declare lastName?: string
  /** First name. */
  declare firstName?: string
  /** Names (default `[]`). */
  declare names: PersonName[]
  /** Gender. */
  declare gender?: HealthcareProfessionalGenderEnum
  /** Civility (Mr., Dr., ...). */
  declare civility?: string
  /** Speciality (free text). */
  declare speciality?: string
  /** Id of the parent organisation. */
  declare parentId?: string
  /** Addresses (default `[]`). */
  declare addresses: Address[]
  /** Spoken languages. No default. */
  declare languages: string[]
  /** Picture; accepts an ArrayBuffer or a base64 string, marshalled as base64. */
  declare picture?: ArrayBuffer
  /** Coded specialities; undefined when not given. */
  declare specialityCodes?: Set<CodingReference>
  /** Free-text notes. */
  declare notes?: string
  /** Properties (default empty). */
  declare properties: Set<Property>
  /** Public crypto material. */
  declare systemMetaData?: SystemMetaDataOwner

  /** Copies the given fields and normalises names, addresses, Sets, picture and metadata. */
  constructor(json: ModelInit<HealthcareProfessional>) {
    const source = json ?? {}
    Object.assign(this, source)
    applyFields<HealthcareProfessional>(this, {
      labels: wrapSet(source.labels, CodingReference),
      codes: wrapSet(source.codes, CodingReference),
      names: wrapArray(source.names, PersonName),
      addresses: wrapArray(source.addresses, Address),
      languages: wrapOptionalArray<string>(source.languages),
      picture: toArrayBuffer(source.picture),
      specialityCodes: wrapOptionalSet(source.specialityCodes, CodingReference),
      properties: wrapSet(source.properties, Property),
      systemMetaData: wrapOptional(source.systemMetaData, SystemMetaDataOwner),
    })
  }

  /** Plain JSON form of this professional (picture as base64). */
  marshal(): Marshalled<HealthcareProfessional> {
    return marshalFields(this) as Marshalled<HealthcareProfessional>
  }
}
