import type { FastifyInstance } from 'fastify'
import type { Storage } from '../../storage/storage.ts'
import { DataOwnerDocService } from '../shared/data-owner-doc-service.ts'
import { registerDataOwnerDocRoutes } from '../shared/data-owner-doc-routes.ts'

/** Medical devices (`/device`). */
export function registerMedicalDeviceRoutes(app: FastifyInstance, storage: Storage): DataOwnerDocService {
  const service = new DataOwnerDocService(storage, 'medicalDevice')
  registerDataOwnerDocRoutes(app, '/device', service)
  return service
}
