import type { EntityType } from '@cairn/protocol'
import { DataSample, HealthcareElement, type Notification, Patient } from '../models/index.ts'
import { notificationFromJson } from '../mappers/notification-mapper.ts'
import type { EntityKind } from './encrypted-entity-store.ts'

/** The model class of each encrypted entity type. */
interface EntityModels {
  patient: Patient
  dataSample: DataSample
  healthcareElement: HealthcareElement
  notification: Notification
}

/**
 * The SDK side of every entity descriptor: how to build its model. Keyed by every `EntityType`, so a
 * descriptor added to the protocol without its model here is a compile error (the route, the
 * encrypted field names and the AAD type come from the descriptor itself).
 */
export const ENTITY_KINDS: { readonly [T in EntityType]: EntityKind<EntityModels[T]> } = {
  patient: { type: 'patient', fromJson: (json) => new Patient(json) },
  dataSample: { type: 'dataSample', fromJson: (json) => new DataSample(json) },
  healthcareElement: { type: 'healthcareElement', fromJson: (json) => new HealthcareElement(json) },
  notification: { type: 'notification', fromJson: notificationFromJson },
}
