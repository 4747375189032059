import type { HealthcareProfessional } from './healthcare-professional.ts'
import type { MedicalDevice } from './medical-device.ts'
import type { PotentiallyEncryptedPatient } from './potentially-encrypted-patient.ts'

/** The kinds of data owner. A const object plus a string-union type, like the original TypeScript enum. */
export const DataOwnerTypeEnum = {
  Patient: 'Patient',
  HealthcareProfessional: 'HealthcareProfessional',
  MedicalDevice: 'MedicalDevice',
} as const

/** The kinds of data owner: `'Patient' | 'HealthcareProfessional' | 'MedicalDevice'`. */
export type DataOwnerTypeEnum = (typeof DataOwnerTypeEnum)[keyof typeof DataOwnerTypeEnum]

/** Members of {@link DataOwnerTypeEnum} usable as types, as with the original TypeScript enum. */
// A namespace is the only way to give the const object type members (`DataOwnerTypeEnum.X` as a type).
// eslint-disable-next-line @typescript-eslint/no-namespace
export declare namespace DataOwnerTypeEnum {
  /** A patient data owner. */
  type Patient = typeof DataOwnerTypeEnum.Patient
  /** A healthcare professional data owner. */
  type HealthcareProfessional = typeof DataOwnerTypeEnum.HealthcareProfessional
  /** A medical device data owner. */
  type MedicalDevice = typeof DataOwnerTypeEnum.MedicalDevice
}

/** Any data owner entity. */
export type DataOwner = PotentiallyEncryptedPatient | HealthcareProfessional | MedicalDevice

/** A data owner together with its kind, as returned by `dataOwnerApi.getDataOwner`. */
export type DataOwnerWithType =
  | { type: 'Patient'; dataOwner: PotentiallyEncryptedPatient }
  | { type: 'HealthcareProfessional'; dataOwner: HealthcareProfessional }
  | { type: 'MedicalDevice'; dataOwner: MedicalDevice }
