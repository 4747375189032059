import { Address } from './address.ts'
import { CodingReference } from './coding-reference.ts'
import { Identifier } from './identifier.ts'
import {
  applyFields,
  copyOptionalRecord,
  marshalFields,
  toArrayBuffer,
  wrapArray,
  wrapOptional,
  wrapOptionalArray,
  wrapSet,
  type Marshalled,
  type ModelInit,
} from './model-utils.ts'
import { Partnership } from './partnership.ts'
import { PatientHealthCareParty } from './patient-health-care-party.ts'
import type {
  PatientBirthSexEnum,
  PatientDeactivationReasonEnum,
  PatientGenderEnum,
  PatientPersonalStatusEnum,
} from './patient.ts'
import { PersonName } from './person-name.ts'
import { Property } from './property.ts'
import { SystemMetaDataOwnerEncrypted } from './system-meta-data-owner-encrypted.ts'

/**
 * Fields, constructor and `marshal()` shared by {@link Patient} (decrypted) and {@link EncryptedPatient}
 * (whose encrypted fields could not be decrypted). Not instantiated directly: the two subclasses exist so
 * that callers can tell them apart with `instanceof`.
 */
export abstract class PatientBase {
  /** Id of the patient (UUID). */
  declare id?: string
  /** Revision, for optimistic locking. */
  declare rev?: string
  /** Business identifiers (default `[]`). */
  declare identifiers: Identifier[]
  /** Creation time (epoch ms). */
  declare created?: number
  /** Last modification time (epoch ms). */
  declare modified?: number
  /** Id of the user who created the patient. */
  declare author?: string
  /** Id of the data owner responsible for the patient. */
  declare responsible?: string
  /** Labels (default empty). */
  declare labels: Set<CodingReference>
  /** Codes (default empty). */
  declare codes: Set<CodingReference>
  /** Soft-deletion time (epoch ms). */
  declare endOfLife?: number
  /** Deletion time (epoch ms). */
  declare deletionDate?: number
  /** First name. */
  declare firstName?: string
  /** Last name (official). */
  declare lastName?: string
  /** Names, most used first (default `[]`). */
  declare names: PersonName[]
  /** Name of the company the patient belongs to. */
  declare companyName?: string
  /** Spoken languages, by fluency (alpha-2 codes). No default. */
  declare languages: string[]
  /** Addresses (default `[]`). */
  declare addresses: Address[]
  /** Civility (Mr., Ms., ...). */
  declare civility?: string
  /** Gender. */
  declare gender?: PatientGenderEnum
  /** Sex at birth. */
  declare birthSex?: PatientBirthSexEnum
  /** Id of the patient this one was merged into. */
  declare mergeToPatientId?: string
  /** Ids of the patients merged into this one (default empty). */
  declare mergedIds: Set<string>
  /** Alias (nickname). */
  declare alias?: string
  /** Whether the patient is active. No default. */
  declare active: boolean
  /** Why the patient is not active. No default. */
  declare deactivationReason: PatientDeactivationReasonEnum
  /** Social security number. */
  declare ssin?: string
  /** Maiden name. */
  declare maidenName?: string
  /** Name of the spouse. */
  declare spouseName?: string
  /** Name of the partner. */
  declare partnerName?: string
  /** Marital status. */
  declare personalStatus?: PatientPersonalStatusEnum
  /** Birth date, fuzzy YYYYMMDD (00 for an unknown month/day). */
  declare dateOfBirth?: number
  /** Death date, fuzzy YYYYMMDD. */
  declare dateOfDeath?: number
  /** Place of birth. */
  declare placeOfBirth?: string
  /** Place of death. */
  declare placeOfDeath?: string
  /** Whether the patient is deceased. */
  declare deceased?: boolean
  /** Level of education. */
  declare education?: string
  /** Profession. */
  declare profession?: string
  /** Free-text note (encrypted). */
  declare note?: string
  /** Administrative (non-confidential) note. */
  declare administrativeNote?: string
  /** Nationality. */
  declare nationality?: string
  /** Race. */
  declare race?: string
  /** Ethnicity. */
  declare ethnicity?: string
  /** Picture; accepts an ArrayBuffer or a base64 string, marshalled as base64. */
  declare picture?: ArrayBuffer
  /** External id. */
  declare externalId?: string
  /** Partnerships (default `[]`). */
  declare partnerships: Partnership[]
  /** Links to healthcare parties (default `[]`). */
  declare patientHealthCareParties: PatientHealthCareParty[]
  /** Coded professions (an array, default `[]`). */
  declare patientProfessions: CodingReference[]
  /** Extra parameters, by name. No default. */
  declare parameters: { [key: string]: string[] }
  /** Properties (default empty). */
  declare properties: Set<Property>
  /** Crypto bookkeeping (the patient is both a data owner and an encrypted entity). */
  declare systemMetaData?: SystemMetaDataOwnerEncrypted

  /** Copies the given fields and normalises nested models, Sets, picture and metadata. */
  constructor(json: ModelInit<PatientBase>) {
    const source = json ?? {}
    Object.assign(this, source)
    applyFields<PatientBase>(this, {
      identifiers: wrapArray(source.identifiers, Identifier),
      labels: wrapSet(source.labels, CodingReference),
      codes: wrapSet(source.codes, CodingReference),
      names: wrapArray(source.names, PersonName),
      languages: wrapOptionalArray<string>(source.languages),
      addresses: wrapArray(source.addresses, Address),
      mergedIds: wrapSet<string>(source.mergedIds),
      picture: toArrayBuffer(source.picture),
      partnerships: wrapArray(source.partnerships, Partnership),
      patientHealthCareParties: wrapArray(source.patientHealthCareParties, PatientHealthCareParty),
      patientProfessions: wrapArray(source.patientProfessions, CodingReference),
      parameters: copyOptionalRecord(source.parameters),
      properties: wrapSet(source.properties, Property),
      systemMetaData: wrapOptional(source.systemMetaData, SystemMetaDataOwnerEncrypted),
    })
  }

  /** Plain JSON form of this patient (Sets become arrays, picture base64). */
  marshal(): Marshalled<PatientBase> {
    return marshalFields(this) as Marshalled<PatientBase>
  }
}

/**
 * A patient that may or may not have been decrypted: either a {@link Patient} or an
 * {@link EncryptedPatient} (tell them apart with `instanceof`).
 */
export type PotentiallyEncryptedPatient = PatientBase
