import type { FastifyInstance } from 'fastify'
import { ENTITY_ROUTES } from '@cairn/protocol'
import type { Storage } from '../../storage/storage.ts'
import { EncryptedEntityService } from '../shared/encrypted-entity-service.ts'
import { registerEncryptedEntityRoutes } from '../shared/encrypted-entity-routes.ts'

/** Healthcare elements: encrypted entities linked to a patient through a secret foreign key. */
export function registerHealthcareElementRoutes(
  app: FastifyInstance,
  storage: Storage,
): EncryptedEntityService {
  const service = new EncryptedEntityService(storage, 'healthcareElement', 'healthcareElement')
  registerEncryptedEntityRoutes(
    app,
    ENTITY_ROUTES.healthcareElement,
    service,
    'HealthcareElementByHealthcarePartyPatientFilter',
  )
  return service
}
