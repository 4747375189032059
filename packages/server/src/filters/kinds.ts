import type { EntityType, FilterType } from '@cairn/protocol'
import type { FilterKind, FilterOf } from './filter-kind.ts'

/** Filter types carrying `patientSecretForeignKeys`. */
type BySecretIds = {
  [T in FilterType]: FilterOf<T> extends { patientSecretForeignKeys: readonly string[] } ? T : never
}[FilterType]
/** Filter types carrying `ids`. */
type ByIds = { [T in FilterType]: FilterOf<T> extends { ids: readonly string[] } ? T : never }[FilterType]

/**
 * Entities linked to one of a patient's secret ids (the "for patient" filters): the `sfk` index.
 * `healthcarePartyId` is optional; absent, the caller's own data owner is used.
 */
export function byPatientSecretIds<T extends BySecretIds>(type: T, entity: EntityType): FilterKind<T> {
  // FilterOf<T> does not narrow for a generic T; BySecretIds guarantees this shape.
  const fields = (f: FilterOf<T>) => f as { healthcarePartyId?: string; patientSecretForeignKeys: string[] }
  return {
    type,
    entity,
    dataOwnerOf: (f) => fields(f).healthcarePartyId,
    compile: (f) => ({ op: 'index', index: 'sfk', values: fields(f).patientSecretForeignKeys }),
  }
}

/** Every entity the named data owner can read: the access index alone. */
export function byDataOwner<T extends FilterType>(
  type: T,
  entity: EntityType,
  dataOwnerOf: (filter: FilterOf<T>) => string,
): FilterKind<T> {
  return { type, entity, dataOwnerOf, compile: () => ({ op: 'all' }) }
}

/** The entities among `ids` that the caller can read (MedTech's by-ids filters name no data owner). */
export function byIds<T extends ByIds>(type: T, entity: EntityType): FilterKind<T> {
  // FilterOf<T> does not narrow for a generic T; ByIds guarantees this shape.
  const ids = (f: FilterOf<T>) => (f as { ids: string[] }).ids
  return { type, entity, dataOwnerOf: () => undefined, compile: (f) => ({ op: 'ids', ids: ids(f) }) }
}
