import type { FastifyInstance } from 'fastify'
import { ENTITY_ROUTES } from '@cairn/protocol'
import type { Storage } from '../../storage/storage.ts'
import { EncryptedEntityService } from '../shared/encrypted-entity-service.ts'
import { registerEncryptedEntityRoutes } from '../shared/encrypted-entity-routes.ts'

/** Patients: encrypted entities that are also data owners (their public keys live on the record). */
export function registerPatientRoutes(app: FastifyInstance, storage: Storage): EncryptedEntityService {
  const service = new EncryptedEntityService(storage, 'patient', 'patient')
  registerEncryptedEntityRoutes(app, ENTITY_ROUTES.patient, service)
  return service
}
