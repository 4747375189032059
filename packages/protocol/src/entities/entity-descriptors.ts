import {
  DataSampleFilterSchema,
  HealthcareElementFilterSchema,
  LEAF_FILTERS,
  NotificationFilterSchema,
  PatientFilterSchema,
} from '../filters.ts'
import type { EntityDescriptor } from './entity-descriptor.ts'

/**
 * The encrypted entity types, one descriptor each. This object is the list: the server's tables,
 * index writes, routes and filter endpoints, the OpenAPI document and the SDK's wiring are derived
 * from it, and `Record<EntityType, ...>` maps elsewhere make a forgotten piece a compile error.
 * Encrypted field names are the defaults of the protocol (docs/protocol.md).
 */
export const ENTITY_DESCRIPTORS = {
  patient: {
    type: 'patient',
    name: 'Patient',
    path: '/patient',
    table: 'patient',
    indexes: ['access', 'term', 'name'],
    encryptedFields: ['note', 'administrativeNote'],
    dataOwner: true,
    filters: LEAF_FILTERS.Patient,
    filter: PatientFilterSchema,
  },
  dataSample: {
    type: 'dataSample',
    name: 'DataSample',
    path: '/datasample',
    table: 'data_sample',
    indexes: ['access', 'term'],
    encryptedFields: ['content', 'comment'],
    dataOwner: false,
    filters: LEAF_FILTERS.DataSample,
    filter: DataSampleFilterSchema,
  },
  healthcareElement: {
    type: 'healthcareElement',
    name: 'HealthcareElement',
    path: '/helement',
    table: 'healthcare_element',
    indexes: ['access', 'term'],
    encryptedFields: ['description', 'note'],
    dataOwner: false,
    filters: LEAF_FILTERS.HealthcareElement,
    filter: HealthcareElementFilterSchema,
  },
  notification: {
    type: 'notification',
    name: 'Notification',
    path: '/notification',
    table: 'notification',
    indexes: ['access', 'term'],
    encryptedFields: ['properties'],
    dataOwner: false,
    filters: LEAF_FILTERS.Notification,
    filter: NotificationFilterSchema,
    // MedTech's notification deletion is soft: getNotification afterwards returns it with deletionDate.
    softDelete: true,
  },
} as const satisfies Record<string, EntityDescriptor>

/** An encrypted entity type, as used in routes, storage, crypto AAD and events. */
export type EntityType = keyof typeof ENTITY_DESCRIPTORS

/** Every encrypted entity type, in declaration order. */
export const ENTITY_TYPES = Object.keys(ENTITY_DESCRIPTORS) as EntityType[]

/** The descriptor of one entity type. */
export function entityDescriptor<T extends EntityType>(type: T): (typeof ENTITY_DESCRIPTORS)[T] {
  return ENTITY_DESCRIPTORS[type]
}

/**
 * Whether deleting an entity of this type is soft (EntityDescriptor.softDelete): the document keeps its
 * content and delegates and gains a `deletionDate`, instead of becoming a tombstone.
 */
export function isSoftDeleted(type: EntityType): boolean {
  return (ENTITY_DESCRIPTORS[type] as EntityDescriptor).softDelete === true
}
