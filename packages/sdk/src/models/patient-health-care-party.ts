import { marshalFields, type Marshalled, type ModelInit } from './model-utils.ts'

/** The roles a healthcare party can have for a patient. */
export type PatientHealthCarePartyTypeEnum =
  | 'doctor'
  | 'referral'
  | 'medicalhouse'
  | 'retirementhome'
  | 'hospital'
  | 'other'
  | 'referringphysician'
  | 'managingorganization'

/** A link between a patient and a healthcare professional or organisation (e.g. their GP). */
export class PatientHealthCareParty {
  /** The role of the healthcare party for the patient. */
  declare type: PatientHealthCarePartyTypeEnum
  /** The id of the healthcare professional. */
  declare healthcarePartyId?: string

  /** Copies the given fields. */
  constructor(json: ModelInit<PatientHealthCareParty>) {
    Object.assign(this, json)
  }

  /** Plain JSON form of this link. */
  marshal(): Marshalled<PatientHealthCareParty> {
    return marshalFields(this) as Marshalled<PatientHealthCareParty>
  }
}
