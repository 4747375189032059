import { ENTITY_DESCRIPTORS, type EntityType, type FilterDto, type FilterType } from '@cairn/protocol'
import type { Caller } from '../auth/caller.ts'
import { assertCanQueryAs } from '../access/access-policy.ts'
import { badRequest } from '../http/app-error.ts'
import type { IndexQuery } from '../storage/index-query.ts'
import type { FilterKind } from './filter-kind.ts'
import { byDataOwner, byIds, byPatientSecretIds } from './kinds.ts'

/**
 * Every filter kind the server answers, by `$type`. The mapped type makes a filter schema of the
 * protocol without a kind here a compile error; `assertFiltersMatchDescriptor` checks, when the routes
 * are registered (and in a test), that each entity descriptor lists exactly the kinds registered for it.
 */
export const FILTER_KINDS: { readonly [T in FilterType]: FilterKind<T> } = {
  PatientByHealthcarePartyFilter: byDataOwner(
    'PatientByHealthcarePartyFilter',
    'patient',
    (f) => f.healthcarePartyId,
  ),
  PatientByIdsFilter: byIds('PatientByIdsFilter', 'patient'),
  DataSampleByHealthcarePartyPatientFilter: byPatientSecretIds(
    'DataSampleByHealthcarePartyPatientFilter',
    'dataSample',
  ),
  DataSampleByHealthcarePartyFilter: byDataOwner(
    'DataSampleByHealthcarePartyFilter',
    'dataSample',
    (f) => f.hcpId,
  ),
  DataSampleByIdsFilter: byIds('DataSampleByIdsFilter', 'dataSample'),
  HealthcareElementByHealthcarePartyPatientFilter: byPatientSecretIds(
    'HealthcareElementByHealthcarePartyPatientFilter',
    'healthcareElement',
  ),
  HealthcareElementByHealthcarePartyFilter: byDataOwner(
    'HealthcareElementByHealthcarePartyFilter',
    'healthcareElement',
    (f) => f.healthcarePartyId,
  ),
  HealthcareElementByIdsFilter: byIds('HealthcareElementByIdsFilter', 'healthcareElement'),
}

/** Whether `type` is the `$type` of a filter the server knows (for any entity type). */
export function isFilterType(type: string): type is FilterType {
  return Object.prototype.hasOwnProperty.call(FILTER_KINDS, type)
}

/** The `$type`s registered for an entity type. */
export function registeredFilterTypes(entity: EntityType): FilterType[] {
  return (Object.values(FILTER_KINDS) as FilterKind[]).filter((k) => k.entity === entity).map((k) => k.type)
}

/** The `$type`s an entity descriptor declares (the schemas its filter route accepts). */
export function declaredFilterTypes(entity: EntityType): string[] {
  return ENTITY_DESCRIPTORS[entity].filters.map((schema) => String(schema.$id))
}

/**
 * Throws unless the descriptor of `entity` accepts exactly the filter kinds registered for it: a kind
 * registered for the wrong entity type, or a filter schema without its kind, stops the server at start.
 */
export function assertFiltersMatchDescriptor(entity: EntityType): void {
  const declared = declaredFilterTypes(entity).sort()
  const registered = registeredFilterTypes(entity).sort()
  if (JSON.stringify(declared) !== JSON.stringify(registered)) {
    throw new Error(
      `The ${entity} descriptor accepts filters [${declared.join(', ')}] but kinds are registered for [${registered.join(', ')}]`,
    )
  }
}

/**
 * Compiles a filter sent to the filter route of `entity` for `caller`: a filter of another entity type
 * is a 400, a filter naming another data owner a 403. Returns the data owner to search as and the
 * index query.
 */
export function compileFilter(
  caller: Caller,
  entity: EntityType,
  filter: FilterDto,
): { dataOwnerId: string; query: IndexQuery } {
  const kind = FILTER_KINDS[filter.$type] as FilterKind | undefined
  if (!kind || kind.entity !== entity) throw badRequest(`Unsupported filter ${filter.$type} for ${entity}`)
  const dataOwnerId = assertCanQueryAs(caller, kind.dataOwnerOf(filter))
  return { dataOwnerId, query: kind.compile(filter) }
}
