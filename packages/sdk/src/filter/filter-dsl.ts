/*
 * The MedTech filter DSL: the abstract bases and one builder per searchable type (medtech-api.md
 * §4).
 */

export { FilterBuilder, SortableFilterBuilder, DataOwnerFilterBuilder } from './filter-builder.ts'

export { PatientFilter, PatientFilterWithDataOwner } from './patient-filter.ts'
export { DataSampleFilter, DataSampleFilterWithDataOwner } from './data-sample-filter.ts'
export { HealthcareElementFilter, HealthcareElementFilterWithDataOwner } from './healthcare-element-filter.ts'
export { HealthcareProfessionalFilter } from './healthcare-professional-filter.ts'
export { MedicalDeviceFilter } from './medical-device-filter.ts'
export { NotificationFilter, NotificationFilterWithDataOwner } from './notification-filter.ts'
export { UserFilter } from './user-filter.ts'
export { CodingFilter } from './coding-filter.ts'
