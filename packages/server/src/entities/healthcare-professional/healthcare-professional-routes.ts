import type { FastifyInstance } from 'fastify'
import type { EventBus } from '../../events/event-bus.ts'
import type { Storage } from '../../storage/storage.ts'
import { DataOwnerDocService } from '../shared/data-owner-doc-service.ts'
import { registerDataOwnerDocRoutes } from '../shared/data-owner-doc-routes.ts'

/** Healthcare professionals (`/hcparty`, the MedTech path). */
export function registerHealthcareProfessionalRoutes(
  app: FastifyInstance,
  storage: Storage,
  events: EventBus,
): void {
  registerDataOwnerDocRoutes(app, new DataOwnerDocService(storage, events, 'healthcareProfessional'))
}
