import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { MAX_FILTER_VALUES } from './constants.ts'

/**
 * Filters as they travel to the server's filter endpoints: plain objects discriminated by `$type`,
 * with the MedTech names. Each schema has an `$id` and becomes a named OpenAPI component. Every
 * filter only ever returns entities the caller may read; a `healthcarePartyId` (or `hcpId`) other
 * than the caller's own data owner id is refused.
 */

const DataOwnerId = Type.String({ minLength: 1, maxLength: 200 })
const Description = Type.Optional(Type.String({ maxLength: 1000 }))
const Ids = Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: MAX_FILTER_VALUES })

/** A filter schema with its `$type` literal and an `$id` equal to it. */
function filterSchema<const T extends string, P extends Record<string, TSchema>>($type: T, props: P) {
  return Type.Object(
    { $type: Type.Literal($type), description: Description, ...props },
    { $id: $type, additionalProperties: false },
  )
}

/** Every patient the data owner can read. */
export const PatientByHealthcarePartyFilterSchema = filterSchema('PatientByHealthcarePartyFilter', {
  healthcarePartyId: DataOwnerId,
})
/** Patients among these ids that the caller can read. */
export const PatientByIdsFilterSchema = filterSchema('PatientByIdsFilter', { ids: Ids })

/** Data samples linked to one of the patient secret ids. */
export const DataSampleByHealthcarePartyPatientFilterSchema = filterSchema(
  'DataSampleByHealthcarePartyPatientFilter',
  { healthcarePartyId: Type.Optional(DataOwnerId), patientSecretForeignKeys: Ids },
)
/** Every data sample the data owner can read (MedTech names the field `hcpId` here). */
export const DataSampleByHealthcarePartyFilterSchema = filterSchema('DataSampleByHealthcarePartyFilter', {
  hcpId: DataOwnerId,
})
/** Data samples among these ids that the caller can read. */
export const DataSampleByIdsFilterSchema = filterSchema('DataSampleByIdsFilter', { ids: Ids })

/** Healthcare elements linked to one of the patient secret ids. */
export const HealthcareElementByHealthcarePartyPatientFilterSchema = filterSchema(
  'HealthcareElementByHealthcarePartyPatientFilter',
  { healthcarePartyId: Type.Optional(DataOwnerId), patientSecretForeignKeys: Ids },
)
/** Every healthcare element the data owner can read. */
export const HealthcareElementByHealthcarePartyFilterSchema = filterSchema(
  'HealthcareElementByHealthcarePartyFilter',
  { healthcarePartyId: DataOwnerId },
)
/** Healthcare elements among these ids that the caller can read. */
export const HealthcareElementByIdsFilterSchema = filterSchema('HealthcareElementByIdsFilter', { ids: Ids })

export type PatientByHealthcarePartyFilterDto = Static<typeof PatientByHealthcarePartyFilterSchema>
export type PatientByIdsFilterDto = Static<typeof PatientByIdsFilterSchema>
export type DataSampleByHealthcarePartyPatientFilterDto = Static<
  typeof DataSampleByHealthcarePartyPatientFilterSchema
>
export type DataSampleByHealthcarePartyFilterDto = Static<typeof DataSampleByHealthcarePartyFilterSchema>
export type DataSampleByIdsFilterDto = Static<typeof DataSampleByIdsFilterSchema>
export type HealthcareElementByHealthcarePartyPatientFilterDto = Static<
  typeof HealthcareElementByHealthcarePartyPatientFilterSchema
>
export type HealthcareElementByHealthcarePartyFilterDto = Static<
  typeof HealthcareElementByHealthcarePartyFilterSchema
>
export type HealthcareElementByIdsFilterDto = Static<typeof HealthcareElementByIdsFilterSchema>

/** Every filter the server understands. */
export type FilterDto =
  | PatientByHealthcarePartyFilterDto
  | PatientByIdsFilterDto
  | DataSampleByHealthcarePartyPatientFilterDto
  | DataSampleByHealthcarePartyFilterDto
  | DataSampleByIdsFilterDto
  | HealthcareElementByHealthcarePartyPatientFilterDto
  | HealthcareElementByHealthcarePartyFilterDto
  | HealthcareElementByIdsFilterDto

/** The `$type` names of the filters. */
export type FilterType = FilterDto['$type']
