import type { FastifyInstance } from 'fastify'
import { ENTITY_ROUTES } from '@cairn/protocol'
import type { Storage } from '../../storage/storage.ts'
import { EncryptedEntityService } from '../shared/encrypted-entity-service.ts'
import { registerEncryptedEntityRoutes } from '../shared/encrypted-entity-routes.ts'

/** Data samples: each sample is its own encrypted entity with its own rev; `batchId` groups them. */
export function registerDataSampleRoutes(app: FastifyInstance, storage: Storage): EncryptedEntityService {
  const service = new EncryptedEntityService(storage, 'dataSample', 'dataSample')
  registerEncryptedEntityRoutes(
    app,
    ENTITY_ROUTES.dataSample,
    service,
    'DataSampleByHealthcarePartyPatientFilter',
  )
  return service
}
