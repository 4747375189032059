import { PatientBase } from './potentially-encrypted-patient.ts'

/** The genders of a patient. */
export type PatientGenderEnum =
  'male' | 'female' | 'indeterminate' | 'changed' | 'changedToMale' | 'changedToFemale' | 'unknown'

/** The sexes at birth of a patient (same values as the gender). */
export type PatientBirthSexEnum = PatientGenderEnum

/** Why a patient is no longer active. */
export type PatientDeactivationReasonEnum =
  'deceased' | 'moved' | 'other_doctor' | 'retired' | 'no_contact' | 'unknown' | 'none'

/** The marital statuses of a patient. */
export type PatientPersonalStatusEnum =
  | 'single'
  | 'in_couple'
  | 'married'
  | 'separated'
  | 'divorced'
  | 'divorcing'
  | 'widowed'
  | 'widower'
  | 'complicated'
  | 'unknown'
  | 'contract'
  | 'other'
  | 'annulled'
  | 'polygamous'

/**
 * A patient whose encrypted fields (e.g. `note`) were decrypted, or a new patient to be created. See
 * {@link PatientBase} for the fields.
 */
export class Patient extends PatientBase {
  /** Type-level marker making `Patient` and `EncryptedPatient` distinct for the compiler; no runtime value. */
  declare private readonly decryptedPatientMarker?: never
}
