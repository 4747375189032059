import { notAvailable } from '../http/sdk-error.ts'
import type { Filter } from './filter.ts'

/*
 * The MedTech filter DSL builders. They exist so that code written for the MedTech SDK loads and
 * type-checks, and fail at construction with a NOT_AVAILABLE SdkError naming docs/compatibility.md
 * until Cairn has the filter DSL.
 */

/** Base of the filter builders (MedTech `FilterBuilder`). */
export abstract class FilterBuilder<T> {
  abstract build(): Promise<Filter<T>>
}

/** A builder with a sort key (MedTech `SortableFilterBuilder`). */
export abstract class SortableFilterBuilder<T, F> extends FilterBuilder<T> {
  abstract get sort(): F
}

/** A builder bound to a data owner (MedTech `DataOwnerFilterBuilder`). */
export abstract class DataOwnerFilterBuilder<T, F> {
  /** Phantom marker of the filtered entity type; never set. */
  declare readonly __entity?: T
  abstract forDataOwner(dataOwnerId: string): F
  abstract forSelf(): F
}

/** A DSL builder class whose constructor rejects with NOT_AVAILABLE. */
function unavailableBuilder(name: string) {
  return class {
    constructor(_api?: unknown) {
      throw notAvailable(name)
    }
  }
}

export const PatientFilter = unavailableBuilder('PatientFilter')
export const DataSampleFilter = unavailableBuilder('DataSampleFilter')
export const HealthcareElementFilter = unavailableBuilder('HealthcareElementFilter')
export const HealthcareProfessionalFilter = unavailableBuilder('HealthcareProfessionalFilter')
export const MedicalDeviceFilter = unavailableBuilder('MedicalDeviceFilter')
export const NotificationFilter = unavailableBuilder('NotificationFilter')
export { UserFilter } from './user-filter.ts'
export const CodingFilter = unavailableBuilder('CodingFilter')
