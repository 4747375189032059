import type { Filter } from './filter.ts'
import type {
  DataSample,
  HealthcareElement,
  HealthcareProfessional,
  Identifier,
  MedicalDevice,
  Notification,
  NotificationTypeEnum,
  Patient,
  PatientGenderEnum,
} from '../models/index.ts'

/*
 * The filter objects the DSL builders make: plain objects with MedTech's `$type` and field names
 * (medtech-api.md §4.2, the same names as the wire filters of packages/protocol/src/filters.ts).
 * The builders leave out optional fields that were not given. Identifiers stay `Identifier` models;
 * the filter mapper sends their system and value.
 */

// Patients.

export interface PatientByIdsFilter extends Filter<Patient> {
  $type: 'PatientByIdsFilter'
  ids: string[]
}
export interface PatientByHealthcarePartyFilter extends Filter<Patient> {
  $type: 'PatientByHealthcarePartyFilter'
  healthcarePartyId: string
}
export interface PatientByHealthcarePartyIdentifiersFilter extends Filter<Patient> {
  $type: 'PatientByHealthcarePartyIdentifiersFilter'
  healthcarePartyId?: string
  identifiers: Identifier[]
}
export interface PatientByHealthcarePartySsinsFilter extends Filter<Patient> {
  $type: 'PatientByHealthcarePartySsinsFilter'
  healthcarePartyId?: string
  ssins: string[]
}
export interface PatientByHealthcarePartyDateOfBirthBetweenFilter extends Filter<Patient> {
  $type: 'PatientByHealthcarePartyDateOfBirthBetweenFilter'
  healthcarePartyId?: string
  /** YYYYMMDD, inclusive. */
  minDateOfBirth?: number
  /** YYYYMMDD, inclusive. */
  maxDateOfBirth?: number
}
export interface PatientByHealthcarePartyNameContainsFuzzyFilter extends Filter<Patient> {
  $type: 'PatientByHealthcarePartyNameContainsFuzzyFilter'
  healthcarePartyId: string
  searchString?: string
}
export interface PatientByHealthcarePartyGenderEducationProfessionFilter extends Filter<Patient> {
  $type: 'PatientByHealthcarePartyGenderEducationProfessionFilter'
  healthcarePartyId?: string
  gender?: PatientGenderEnum
  education?: string
  profession?: string
}

// Data samples.

export interface DataSampleByIdsFilter extends Filter<DataSample> {
  $type: 'DataSampleByIdsFilter'
  ids: string[]
}
/** MedTech names the data owner `hcpId` in this filter only. */
export interface DataSampleByHealthcarePartyFilter extends Filter<DataSample> {
  $type: 'DataSampleByHealthcarePartyFilter'
  hcpId: string
}
export interface DataSampleByHealthcarePartyIdentifiersFilter extends Filter<DataSample> {
  $type: 'DataSampleByHealthcarePartyIdentifiersFilter'
  healthcarePartyId?: string
  identifiers: Identifier[]
}
export interface DataSampleByHealthcarePartyTagCodeDateFilter extends Filter<DataSample> {
  $type: 'DataSampleByHealthcarePartyTagCodeDateFilter'
  healthcarePartyId?: string
  patientSecretForeignKey?: string
  status?: number
  tagType?: string
  tagCode?: string
  codeType?: string
  codeCode?: string
  startValueDate?: number
  endValueDate?: number
  descending: boolean
}
export interface DataSampleByHealthcarePartyPatientFilter extends Filter<DataSample> {
  $type: 'DataSampleByHealthcarePartyPatientFilter'
  healthcarePartyId?: string
  patientSecretForeignKeys: string[]
}
export interface DataSampleByHealthcarePartyHealthcareElementIdsFilter extends Filter<DataSample> {
  $type: 'DataSampleByHealthcarePartyHealthcareElementIdsFilter'
  healthcarePartyId?: string
  healthcareElementIds?: string[]
}

// Healthcare elements.

export interface HealthcareElementByIdsFilter extends Filter<HealthcareElement> {
  $type: 'HealthcareElementByIdsFilter'
  ids: string[]
}
export interface HealthcareElementByHealthcarePartyFilter extends Filter<HealthcareElement> {
  $type: 'HealthcareElementByHealthcarePartyFilter'
  healthcarePartyId: string
}
export interface HealthcareElementByHealthcarePartyIdentifiersFilter extends Filter<HealthcareElement> {
  $type: 'HealthcareElementByHealthcarePartyIdentifiersFilter'
  healthcarePartyId?: string
  identifiers: Identifier[]
}
export interface HealthcareElementByHealthcarePartyPatientFilter extends Filter<HealthcareElement> {
  $type: 'HealthcareElementByHealthcarePartyPatientFilter'
  healthcarePartyId?: string
  patientSecretForeignKeys: string[]
}
export interface HealthcareElementByHealthcarePartyLabelCodeFilter extends Filter<HealthcareElement> {
  $type: 'HealthcareElementByHealthcarePartyLabelCodeFilter'
  healthcarePartyId?: string
  tagType?: string
  tagCode?: string
  codeType?: string
  codeCode?: string
  status?: number
}

// Healthcare professionals and medical devices.

export interface AllHealthcareProfessionalsFilter extends Filter<HealthcareProfessional> {
  $type: 'AllHealthcareProfessionalsFilter'
}
export interface HealthcareProfessionalByIdsFilter extends Filter<HealthcareProfessional> {
  $type: 'HealthcareProfessionalByIdsFilter'
  ids: string[]
}
export interface HealthcareProfessionalByNameFilter extends Filter<HealthcareProfessional> {
  $type: 'HealthcareProfessionalByNameFilter'
  name: string
  descending?: boolean
}
export interface HealthcareProfessionalByLabelCodeFilter extends Filter<HealthcareProfessional> {
  $type: 'HealthcareProfessionalByLabelCodeFilter'
  labelType?: string
  labelCode?: string
  codeType?: string
  codeCode?: string
}
export interface AllMedicalDevicesFilter extends Filter<MedicalDevice> {
  $type: 'AllMedicalDevicesFilter'
}
export interface MedicalDeviceByIdsFilter extends Filter<MedicalDevice> {
  $type: 'MedicalDeviceByIdsFilter'
  ids: string[]
}

// Notifications.

export interface NotificationsByIdFilter extends Filter<Notification> {
  $type: 'NotificationsByIdFilter'
  ids: string[]
}
export interface NotificationsByHcPartyAndTypeFilter extends Filter<Notification> {
  $type: 'NotificationsByHcPartyAndTypeFilter'
  healthcarePartyId?: string
  type?: NotificationTypeEnum
}
/** Notifications created strictly after `date` (epoch ms). */
export interface NotificationsAfterDateFilter extends Filter<Notification> {
  $type: 'NotificationsAfterDateFilter'
  healthcarePartyId?: string
  date: number
}
