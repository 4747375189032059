import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { MAX_FILTER_VALUES } from './constants.ts'
import {
  composedFilterSchema,
  type ComplementOf,
  type IntersectionOf,
  type UnionOf,
} from './composed-filter.ts'

export { MAX_COMPOSED_FILTERS } from './composed-filter.ts'

/**
 * Filters as they travel to the server's filter and match endpoints: plain objects discriminated by
 * `$type`, with the MedTech names and fields (docs/filters.md). Each leaf schema has an `$id` equal
 * to its `$type` and becomes a named OpenAPI component; each searchable type also has one recursive
 * schema (`<Name>Filter`) accepting its leaves and their unions, intersections and complements.
 * Every filter only ever returns what the caller may read; a `healthcarePartyId` (or `hcpId`) other
 * than the caller's own data owner id is refused.
 */

const DataOwnerId = Type.String({ minLength: 1, maxLength: 200 })
const Description = Type.Optional(Type.String({ maxLength: 1000 }))
const Value = Type.String({ minLength: 1, maxLength: 200 })
const Values = Type.Array(Value, { maxItems: MAX_FILTER_VALUES })
const OptionalText = Type.Optional(Type.String({ maxLength: 200 }))
/** A MedTech fuzzy date (YYYYMMDD) or date-time (YYYYMMDDhhmmss). */
const FuzzyDate = Type.Optional(Type.Integer({ minimum: 0, maximum: 99_991_231_235_959 }))
/** Identifiers match on system and value (the other fields of a MedTech Identifier are not indexed). */
const IdentifierQuery = Type.Object(
  { system: OptionalText, value: OptionalText },
  { additionalProperties: false },
)
const Identifiers = Type.Array(IdentifierQuery, { maxItems: MAX_FILTER_VALUES })

/** A filter schema with its `$type` literal and an `$id` equal to it. */
function filterSchema<const T extends string, P extends Record<string, TSchema>>($type: T, props: P) {
  return Type.Object(
    { $type: Type.Literal($type), description: Description, ...props },
    { $id: $type, additionalProperties: false },
  )
}

// Patients.

/** Every patient the data owner can read. */
export const PatientByHealthcarePartyFilterSchema = filterSchema('PatientByHealthcarePartyFilter', {
  healthcarePartyId: DataOwnerId,
})
/** Patients among these ids that the caller can read. */
export const PatientByIdsFilterSchema = filterSchema('PatientByIdsFilter', { ids: Values })
/** Patients having one of these identifiers (system and value). */
export const PatientByHealthcarePartyIdentifiersFilterSchema = filterSchema(
  'PatientByHealthcarePartyIdentifiersFilter',
  { healthcarePartyId: Type.Optional(DataOwnerId), identifiers: Identifiers },
)
/** Patients having one of these social security numbers. */
export const PatientByHealthcarePartySsinsFilterSchema = filterSchema('PatientByHealthcarePartySsinsFilter', {
  healthcarePartyId: Type.Optional(DataOwnerId),
  ssins: Values,
})
/** Patients born between two dates (YYYYMMDD, inclusive); in date-of-birth order. */
export const PatientByHealthcarePartyDateOfBirthBetweenFilterSchema = filterSchema(
  'PatientByHealthcarePartyDateOfBirthBetweenFilter',
  { healthcarePartyId: Type.Optional(DataOwnerId), minDateOfBirth: FuzzyDate, maxDateOfBirth: FuzzyDate },
)
/** Patients whose first, last, maiden or spouse name contains the search string (case and accents ignored). */
export const PatientByHealthcarePartyNameContainsFuzzyFilterSchema = filterSchema(
  'PatientByHealthcarePartyNameContainsFuzzyFilter',
  { healthcarePartyId: Type.Optional(DataOwnerId), searchString: OptionalText },
)
/** Patients of a gender, and optionally an education and a profession. */
export const PatientByHealthcarePartyGenderEducationProfessionFilterSchema = filterSchema(
  'PatientByHealthcarePartyGenderEducationProfessionFilter',
  {
    healthcarePartyId: Type.Optional(DataOwnerId),
    gender: OptionalText,
    education: OptionalText,
    profession: OptionalText,
  },
)

// Data samples.

/** Data samples linked to one of the patient secret ids. */
export const DataSampleByHealthcarePartyPatientFilterSchema = filterSchema(
  'DataSampleByHealthcarePartyPatientFilter',
  { healthcarePartyId: Type.Optional(DataOwnerId), patientSecretForeignKeys: Values },
)
/** Every data sample the data owner can read (MedTech names the field `hcpId` here). */
export const DataSampleByHealthcarePartyFilterSchema = filterSchema('DataSampleByHealthcarePartyFilter', {
  hcpId: DataOwnerId,
})
/** Data samples among these ids that the caller can read. */
export const DataSampleByIdsFilterSchema = filterSchema('DataSampleByIdsFilter', { ids: Values })
/** Data samples having one of these identifiers. */
export const DataSampleByHealthcarePartyIdentifiersFilterSchema = filterSchema(
  'DataSampleByHealthcarePartyIdentifiersFilter',
  { healthcarePartyId: Type.Optional(DataOwnerId), identifiers: Identifiers },
)
/**
 * Data samples with a label (tag) and/or a code, optionally of one patient secret id, whose value
 * date lies in a range; in value-date order (`descending` reverses it).
 */
export const DataSampleByHealthcarePartyTagCodeDateFilterSchema = filterSchema(
  'DataSampleByHealthcarePartyTagCodeDateFilter',
  {
    healthcarePartyId: Type.Optional(DataOwnerId),
    patientSecretForeignKey: Type.Optional(Value),
    status: Type.Optional(Type.Integer()),
    tagType: OptionalText,
    tagCode: OptionalText,
    codeType: OptionalText,
    codeCode: OptionalText,
    startValueDate: FuzzyDate,
    endValueDate: FuzzyDate,
    descending: Type.Optional(Type.Boolean()),
  },
)
/** Data samples linked to one of these healthcare elements. */
export const DataSampleByHealthcarePartyHealthcareElementIdsFilterSchema = filterSchema(
  'DataSampleByHealthcarePartyHealthcareElementIdsFilter',
  { healthcarePartyId: Type.Optional(DataOwnerId), healthcareElementIds: Type.Optional(Values) },
)

// Healthcare elements.

/** Healthcare elements linked to one of the patient secret ids. */
export const HealthcareElementByHealthcarePartyPatientFilterSchema = filterSchema(
  'HealthcareElementByHealthcarePartyPatientFilter',
  { healthcarePartyId: Type.Optional(DataOwnerId), patientSecretForeignKeys: Values },
)
/** Every healthcare element the data owner can read. */
export const HealthcareElementByHealthcarePartyFilterSchema = filterSchema(
  'HealthcareElementByHealthcarePartyFilter',
  { healthcarePartyId: DataOwnerId },
)
/** Healthcare elements among these ids that the caller can read. */
export const HealthcareElementByIdsFilterSchema = filterSchema('HealthcareElementByIdsFilter', {
  ids: Values,
})
/** Healthcare elements having one of these identifiers. */
export const HealthcareElementByHealthcarePartyIdentifiersFilterSchema = filterSchema(
  'HealthcareElementByHealthcarePartyIdentifiersFilter',
  { healthcarePartyId: Type.Optional(DataOwnerId), identifiers: Identifiers },
)
/** Healthcare elements with a label (tag) and/or a code, optionally of a status. */
export const HealthcareElementByHealthcarePartyLabelCodeFilterSchema = filterSchema(
  'HealthcareElementByHealthcarePartyLabelCodeFilter',
  {
    healthcarePartyId: Type.Optional(DataOwnerId),
    tagType: OptionalText,
    tagCode: OptionalText,
    codeType: OptionalText,
    codeCode: OptionalText,
    status: Type.Optional(Type.Integer()),
  },
)

// Healthcare professionals and medical devices (clear directories: every signed-in user may search them).

/** Every healthcare professional. */
export const AllHealthcareProfessionalsFilterSchema = filterSchema('AllHealthcareProfessionalsFilter', {})
/** Healthcare professionals among these ids. */
export const HealthcareProfessionalByIdsFilterSchema = filterSchema('HealthcareProfessionalByIdsFilter', {
  ids: Values,
})
/** Healthcare professionals whose last and first names contain `name` (case, accents and spaces ignored). */
export const HealthcareProfessionalByNameFilterSchema = filterSchema('HealthcareProfessionalByNameFilter', {
  name: Type.String({ maxLength: 200 }),
  descending: Type.Optional(Type.Boolean()),
})
/** Healthcare professionals with a label and/or a code (speciality codes included). */
export const HealthcareProfessionalByLabelCodeFilterSchema = filterSchema(
  'HealthcareProfessionalByLabelCodeFilter',
  { labelType: OptionalText, labelCode: OptionalText, codeType: OptionalText, codeCode: OptionalText },
)
/** Every medical device. */
export const AllMedicalDevicesFilterSchema = filterSchema('AllMedicalDevicesFilter', {})
/** Medical devices among these ids. */
export const MedicalDeviceByIdsFilterSchema = filterSchema('MedicalDeviceByIdsFilter', { ids: Values })

// Notifications (MedTech's names; iCure called them maintenance tasks).

/** Notifications among these ids that the caller can read. */
export const NotificationsByIdFilterSchema = filterSchema('NotificationsByIdFilter', { ids: Values })
/** Notifications of a type (every type when absent) that the data owner can read. */
export const NotificationsByHcPartyAndTypeFilterSchema = filterSchema('NotificationsByHcPartyAndTypeFilter', {
  healthcarePartyId: Type.Optional(DataOwnerId),
  type: OptionalText,
})
/** Notifications created strictly after `date` (epoch ms), newest first. */
export const NotificationsAfterDateFilterSchema = filterSchema('NotificationsAfterDateFilter', {
  healthcarePartyId: Type.Optional(DataOwnerId),
  date: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
})

/** The leaf filter schemas of each searchable type, by the PascalCase name of the type. */
export const LEAF_FILTERS = {
  Patient: [
    PatientByHealthcarePartyFilterSchema,
    PatientByIdsFilterSchema,
    PatientByHealthcarePartyIdentifiersFilterSchema,
    PatientByHealthcarePartySsinsFilterSchema,
    PatientByHealthcarePartyDateOfBirthBetweenFilterSchema,
    PatientByHealthcarePartyNameContainsFuzzyFilterSchema,
    PatientByHealthcarePartyGenderEducationProfessionFilterSchema,
  ],
  DataSample: [
    DataSampleByHealthcarePartyPatientFilterSchema,
    DataSampleByHealthcarePartyFilterSchema,
    DataSampleByIdsFilterSchema,
    DataSampleByHealthcarePartyIdentifiersFilterSchema,
    DataSampleByHealthcarePartyTagCodeDateFilterSchema,
    DataSampleByHealthcarePartyHealthcareElementIdsFilterSchema,
  ],
  HealthcareElement: [
    HealthcareElementByHealthcarePartyPatientFilterSchema,
    HealthcareElementByHealthcarePartyFilterSchema,
    HealthcareElementByIdsFilterSchema,
    HealthcareElementByHealthcarePartyIdentifiersFilterSchema,
    HealthcareElementByHealthcarePartyLabelCodeFilterSchema,
  ],
  HealthcareProfessional: [
    AllHealthcareProfessionalsFilterSchema,
    HealthcareProfessionalByIdsFilterSchema,
    HealthcareProfessionalByNameFilterSchema,
    HealthcareProfessionalByLabelCodeFilterSchema,
  ],
  MedicalDevice: [AllMedicalDevicesFilterSchema, MedicalDeviceByIdsFilterSchema],
  Notification: [
    NotificationsByIdFilterSchema,
    NotificationsByHcPartyAndTypeFilterSchema,
    NotificationsAfterDateFilterSchema,
  ],
} as const

/** The recursive filter schema of a searchable type (`$id` `<Name>Filter`). */
function composedOf(name: keyof typeof LEAF_FILTERS) {
  return composedFilterSchema(
    `${name}Filter`,
    LEAF_FILTERS[name].map((leaf) => String(leaf.$id)),
  )
}

export const PatientFilterSchema = composedOf('Patient')
export const DataSampleFilterSchema = composedOf('DataSample')
export const HealthcareElementFilterSchema = composedOf('HealthcareElement')
export const HealthcareProfessionalFilterSchema = composedOf('HealthcareProfessional')
export const MedicalDeviceFilterSchema = composedOf('MedicalDevice')
export const NotificationFilterSchema = composedOf('Notification')

/** A leaf filter: one `$type` of LEAF_FILTERS. */
export type LeafFilterDto = {
  [K in keyof typeof LEAF_FILTERS]: Static<(typeof LEAF_FILTERS)[K][number]>
}[keyof typeof LEAF_FILTERS]

/** A union, intersection or complement of filters. */
export type ComposedFilterDto = UnionOf<FilterDto> | IntersectionOf<FilterDto> | ComplementOf<FilterDto>

/** Every filter the server understands (a leaf or a composition of filters). */
export type FilterDto = LeafFilterDto | ComposedFilterDto

/** The `$type` names of the leaf filters. */
export type FilterType = LeafFilterDto['$type']

/** The `$type` names of the compositions. */
export const COMPOSED_FILTER_TYPES = ['UnionFilter', 'IntersectionFilter', 'ComplementFilter'] as const

/** Body of the filter and match routes. */
export type FilterRequestDto = { filter: FilterDto }
