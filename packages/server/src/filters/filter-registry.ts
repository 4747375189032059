import {
  COMPOSED_FILTER_TYPES,
  ENTITY_DESCRIPTORS,
  ENTITY_TYPES,
  LEAF_FILTERS,
  type FilterDto,
  type FilterType,
} from '@cairn/protocol'
import type { Caller } from '../auth/caller.ts'
import { assertCanQueryAs } from '../access/access-policy.ts'
import { badRequest } from '../http/app-error.ts'
import { BY_ID, EVERY_DOCUMENT_TERM, type IndexQuery, type PageOrder } from '../storage/index-query.ts'
import type { FilterKind, SearchTarget } from './filter-kind.ts'
import {
  anyTerm,
  byIdList,
  byIdentifiers,
  byLabelAndCode,
  dateRange,
  everything,
  kind,
  nameContains,
} from './kinds.ts'
import { TERMS } from './search-terms.ts'
import { MAX_FILTER_LEAVES, MAX_FILTER_QUERY_VALUES } from './filter-limits.ts'

/** Samples are dated YYYYMMDDhhmmss, patients' birth dates YYYYMMDD (search-terms.ts dateBound). */
const DATE_TIMES = true
const DATES = false

/** Conjunction of the parts that restrict something. */
function allOf(...parts: IndexQuery[]): IndexQuery {
  const kept = parts.filter((p) => p.op !== 'all')
  return kept.length === 0 ? everything : kept.length === 1 ? kept[0] : { op: 'and', of: kept }
}

/**
 * Every leaf filter the server answers, by `$type`. The mapped type makes a filter schema of the
 * protocol without a kind here a compile error; `assertFiltersMatchDescriptor` checks, when the routes
 * are registered (and in a test), that each entity descriptor lists exactly the kinds registered for it.
 */
export const FILTER_KINDS: { readonly [T in FilterType]: FilterKind<T> } = {
  // Patients.
  PatientByHealthcarePartyFilter: kind('PatientByHealthcarePartyFilter', 'patient', () => everything),
  PatientByIdsFilter: kind('PatientByIdsFilter', 'patient', (f) => byIdList(f.ids), {
    dataOwnerOf: () => undefined,
  }),
  PatientByHealthcarePartyIdentifiersFilter: kind(
    'PatientByHealthcarePartyIdentifiersFilter',
    'patient',
    (f) => byIdentifiers(f.identifiers),
  ),
  PatientByHealthcarePartySsinsFilter: kind('PatientByHealthcarePartySsinsFilter', 'patient', (f) =>
    anyTerm(f.ssins.map(TERMS.ssin)),
  ),
  PatientByHealthcarePartyDateOfBirthBetweenFilter: kind(
    'PatientByHealthcarePartyDateOfBirthBetweenFilter',
    'patient',
    (f) => dateRange(f.minDateOfBirth, f.maxDateOfBirth, DATES),
    { order: () => ({ by: 'value', descending: false }) },
  ),
  PatientByHealthcarePartyNameContainsFuzzyFilter: kind(
    'PatientByHealthcarePartyNameContainsFuzzyFilter',
    'patient',
    (f) => nameContains(f.searchString),
  ),
  PatientByHealthcarePartyGenderEducationProfessionFilter: kind(
    'PatientByHealthcarePartyGenderEducationProfessionFilter',
    'patient',
    (f) =>
      allOf(
        f.gender ? anyTerm([TERMS.gender(f.gender)]) : everything,
        f.education ? anyTerm([TERMS.education(f.education)]) : everything,
        f.profession ? anyTerm([TERMS.profession(f.profession)]) : everything,
      ),
  ),

  // Data samples.
  DataSampleByHealthcarePartyPatientFilter: kind(
    'DataSampleByHealthcarePartyPatientFilter',
    'dataSample',
    (f) => anyTerm(f.patientSecretForeignKeys.map(TERMS.secretId)),
  ),
  DataSampleByHealthcarePartyFilter: kind(
    'DataSampleByHealthcarePartyFilter',
    'dataSample',
    () => everything,
    {
      dataOwnerOf: (f) => f.hcpId,
    },
  ),
  DataSampleByIdsFilter: kind('DataSampleByIdsFilter', 'dataSample', (f) => byIdList(f.ids), {
    dataOwnerOf: () => undefined,
  }),
  DataSampleByHealthcarePartyIdentifiersFilter: kind(
    'DataSampleByHealthcarePartyIdentifiersFilter',
    'dataSample',
    (f) => byIdentifiers(f.identifiers),
  ),
  DataSampleByHealthcarePartyTagCodeDateFilter: kind(
    'DataSampleByHealthcarePartyTagCodeDateFilter',
    'dataSample',
    (f) =>
      allOf(
        f.patientSecretForeignKey ? anyTerm([TERMS.secretId(f.patientSecretForeignKey)]) : everything,
        byLabelAndCode({ type: f.tagType, code: f.tagCode }, { type: f.codeType, code: f.codeCode }),
        f.startValueDate !== undefined || f.endValueDate !== undefined
          ? dateRange(f.startValueDate, f.endValueDate, DATE_TIMES)
          : everything,
      ),
    { order: (f) => ({ by: 'value', descending: f.descending ?? false }) },
  ),
  DataSampleByHealthcarePartyHealthcareElementIdsFilter: kind(
    'DataSampleByHealthcarePartyHealthcareElementIdsFilter',
    'dataSample',
    (f) => anyTerm((f.healthcareElementIds ?? []).map(TERMS.healthcareElement)),
  ),

  // Healthcare elements.
  HealthcareElementByHealthcarePartyPatientFilter: kind(
    'HealthcareElementByHealthcarePartyPatientFilter',
    'healthcareElement',
    (f) => anyTerm(f.patientSecretForeignKeys.map(TERMS.secretId)),
  ),
  HealthcareElementByHealthcarePartyFilter: kind(
    'HealthcareElementByHealthcarePartyFilter',
    'healthcareElement',
    () => everything,
  ),
  HealthcareElementByIdsFilter: kind(
    'HealthcareElementByIdsFilter',
    'healthcareElement',
    (f) => byIdList(f.ids),
    {
      dataOwnerOf: () => undefined,
    },
  ),
  HealthcareElementByHealthcarePartyIdentifiersFilter: kind(
    'HealthcareElementByHealthcarePartyIdentifiersFilter',
    'healthcareElement',
    (f) => byIdentifiers(f.identifiers),
  ),
  HealthcareElementByHealthcarePartyLabelCodeFilter: kind(
    'HealthcareElementByHealthcarePartyLabelCodeFilter',
    'healthcareElement',
    (f) =>
      allOf(
        byLabelAndCode({ type: f.tagType, code: f.tagCode }, { type: f.codeType, code: f.codeCode }),
        f.status !== undefined ? anyTerm([TERMS.status(f.status)]) : everything,
      ),
  ),

  // Notifications (every one within what the caller can read: its own and those shared with it).
  NotificationsByIdFilter: kind('NotificationsByIdFilter', 'notification', (f) => byIdList(f.ids), {
    dataOwnerOf: () => undefined,
  }),
  NotificationsByHcPartyAndTypeFilter: kind('NotificationsByHcPartyAndTypeFilter', 'notification', (f) =>
    f.type ? anyTerm([TERMS.notificationType(f.type)]) : everything,
  ),
  NotificationsAfterDateFilter: kind(
    'NotificationsAfterDateFilter',
    'notification',
    // MedTech's server selects `created > date`; notifications without a creation time (sort value 0)
    // never match. Newest first, as MedTech answered (seed 004 lists them so).
    (f) => ({ op: 'term', terms: [EVERY_DOCUMENT_TERM], min: f.date + 1 }),
    { order: () => ({ by: 'value', descending: true }) },
  ),

  // Directories.
  AllHealthcareProfessionalsFilter: kind(
    'AllHealthcareProfessionalsFilter',
    'healthcareProfessional',
    () => everything,
  ),
  HealthcareProfessionalByIdsFilter: kind(
    'HealthcareProfessionalByIdsFilter',
    'healthcareProfessional',
    (f) => byIdList(f.ids),
  ),
  HealthcareProfessionalByNameFilter: kind(
    'HealthcareProfessionalByNameFilter',
    'healthcareProfessional',
    (f) => nameContains(f.name),
  ),
  HealthcareProfessionalByLabelCodeFilter: kind(
    'HealthcareProfessionalByLabelCodeFilter',
    'healthcareProfessional',
    (f) => byLabelAndCode({ type: f.labelType, code: f.labelCode }, { type: f.codeType, code: f.codeCode }),
  ),
  AllMedicalDevicesFilter: kind('AllMedicalDevicesFilter', 'medicalDevice', () => everything),
  MedicalDeviceByIdsFilter: kind('MedicalDeviceByIdsFilter', 'medicalDevice', (f) => byIdList(f.ids)),
}

/** The PascalCase name of each search target (keys of LEAF_FILTERS). */
const TARGET_NAMES: Readonly<Record<SearchTarget, keyof typeof LEAF_FILTERS>> = {
  patient: 'Patient',
  dataSample: 'DataSample',
  healthcareElement: 'HealthcareElement',
  notification: 'Notification',
  healthcareProfessional: 'HealthcareProfessional',
  medicalDevice: 'MedicalDevice',
}

/** Whether `type` is the `$type` of a leaf filter the server knows (for any target). */
export function isFilterType(type: string): type is FilterType {
  return Object.prototype.hasOwnProperty.call(FILTER_KINDS, type)
}

/** Whether `type` is a `$type` the filter routes of `target` accept (its leaves and the compositions). */
export function acceptsFilterType(target: SearchTarget, type: string): boolean {
  return (
    (COMPOSED_FILTER_TYPES as readonly string[]).includes(type) ||
    (isFilterType(type) && FILTER_KINDS[type].entity === target)
  )
}

/** The `$type`s registered for a target. */
export function registeredFilterTypes(target: SearchTarget): FilterType[] {
  return (Object.values(FILTER_KINDS) as FilterKind[]).filter((k) => k.entity === target).map((k) => k.type)
}

/** The leaf `$type`s the protocol declares for a target (the schemas its filter route accepts). */
export function declaredFilterTypes(target: SearchTarget): string[] {
  return LEAF_FILTERS[TARGET_NAMES[target]].map((schema) => String(schema.$id))
}

/**
 * Throws unless the protocol accepts exactly the filter kinds registered for `target` (and, for an
 * encrypted entity, its descriptor names the same leaves): a kind registered for the wrong type, or a
 * filter schema without its kind, stops the server at start.
 */
export function assertFiltersMatchDescriptor(target: SearchTarget): void {
  const declared = declaredFilterTypes(target).sort()
  const registered = registeredFilterTypes(target).sort()
  const described = (ENTITY_TYPES as readonly string[]).includes(target)
    ? ENTITY_DESCRIPTORS[target as keyof typeof ENTITY_DESCRIPTORS].filters.map((s) => String(s.$id)).sort()
    : declared
  if (
    JSON.stringify(declared) !== JSON.stringify(registered) ||
    JSON.stringify(described) !== JSON.stringify(declared)
  ) {
    throw new Error(
      `The ${target} filters declared [${declared.join(', ')}] but kinds are registered for [${registered.join(', ')}]`,
    )
  }
}

/** A compiled filter: whom to search as (encrypted entities), what, and in which order. */
export interface CompiledFilter {
  /** The data owner whose access bounds the search; undefined for directories. */
  dataOwnerId: string | undefined
  query: IndexQuery
  order: PageOrder
}

/**
 * Compiles a filter sent to the filter or match route of `target` for `caller`: a leaf of another type
 * is a 400, a filter naming another data owner a 403 (encrypted entities need a data owner: each of
 * their filters only ever searches what it can read). Unions, intersections and complements compile
 * recursively; the order is that of the first filter of an intersection (MedTech's sort key), by id
 * for unions.
 */
export function compileFilter(caller: Caller, target: SearchTarget, filter: FilterDto): CompiledFilter {
  const encrypted = (ENTITY_TYPES as readonly string[]).includes(target)
  const me = encrypted ? assertCanQueryAs(caller, undefined) : undefined
  const visit = (f: FilterDto): { query: IndexQuery; order: PageOrder } => {
    switch (f.$type) {
      case 'UnionFilter':
        return { query: { op: 'or', of: f.filters.map((g) => visit(g).query) }, order: BY_ID }
      case 'IntersectionFilter': {
        const parts = f.filters.map(visit)
        return { query: { op: 'and', of: parts.map((p) => p.query) }, order: parts[0]?.order ?? BY_ID }
      }
      case 'ComplementFilter': {
        const superSet = visit(f.superSet)
        return {
          query: { op: 'and', of: [superSet.query, { op: 'not', of: visit(f.subSet).query }] },
          order: superSet.order,
        }
      }
      default: {
        const leaf = f
        const k = FILTER_KINDS[leaf.$type] as FilterKind | undefined
        if (!k || k.entity !== target)
          throw badRequest(`Unsupported filter ${String(leaf.$type)} for ${target}`)
        if (encrypted) assertCanQueryAs(caller, k.dataOwnerOf(leaf))
        return { query: k.compile(leaf), order: k.order?.(leaf) ?? BY_ID }
      }
    }
  }
  const compiled = visit(filter)
  assertQuerySize(compiled.query)
  return { dataOwnerId: me, ...compiled }
}

/** 400 unless the compiled query fits in one statement (see the two limits above). */
function assertQuerySize(query: IndexQuery): void {
  let leaves = 0
  let values = 0
  const walk = (q: IndexQuery): void => {
    if (q.op === 'and' || q.op === 'or') return q.of.forEach(walk)
    if (q.op === 'not') return walk(q.of)
    leaves++
    if (q.op === 'ids') values += q.ids.length
    if (q.op === 'term') values += q.terms.length
  }
  walk(query)
  if (leaves > MAX_FILTER_LEAVES)
    throw badRequest(`A filter combines at most ${MAX_FILTER_LEAVES} filters (this one: ${leaves})`)
  if (values > MAX_FILTER_QUERY_VALUES)
    throw badRequest(
      `A filter lists at most ${MAX_FILTER_QUERY_VALUES} ids, codes or other values in all (this one: ${values})`,
    )
}
