import { PatientBase } from './potentially-encrypted-patient.ts'

/**
 * A patient that the current data owner could not decrypt: its encrypted fields are absent. Same fields
 * and constructor as {@link Patient}; use `instanceof` to tell them apart.
 */
export class EncryptedPatient extends PatientBase {
  /** Type-level marker making `EncryptedPatient` and `Patient` distinct for the compiler; no runtime value. */
  declare private readonly encryptedPatientMarker?: never
}
