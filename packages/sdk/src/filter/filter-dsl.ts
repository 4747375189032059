import { notAvailable } from '../http/sdk-error.ts'

/*
 * The MedTech filter DSL: the abstract bases and one builder per searchable type (medtech-api.md
 * §4). NotificationFilter exists so that code written for the MedTech SDK loads and type-checks, and
 * fails at construction with a NOT_AVAILABLE SdkError naming docs/compatibility.md until Cairn has
 * notifications.
 */

export { FilterBuilder, SortableFilterBuilder, DataOwnerFilterBuilder } from './filter-builder.ts'

/** A DSL builder class whose constructor rejects with NOT_AVAILABLE. */
function unavailableBuilder(name: string) {
  return class {
    constructor(_api?: unknown) {
      throw notAvailable(name)
    }
  }
}

export { PatientFilter, PatientFilterWithDataOwner } from './patient-filter.ts'
export { DataSampleFilter, DataSampleFilterWithDataOwner } from './data-sample-filter.ts'
export { HealthcareElementFilter, HealthcareElementFilterWithDataOwner } from './healthcare-element-filter.ts'
export { HealthcareProfessionalFilter } from './healthcare-professional-filter.ts'
export { MedicalDeviceFilter } from './medical-device-filter.ts'
export const NotificationFilter = unavailableBuilder('NotificationFilter')
export { UserFilter } from './user-filter.ts'
export { CodingFilter } from './coding-filter.ts'
