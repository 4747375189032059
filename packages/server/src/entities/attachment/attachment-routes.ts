import type { FastifyInstance } from 'fastify'
import { ROUTES } from '@cairn/protocol'
import type { EventBus } from '../../events/event-bus.ts'
import type { AuditSink } from '../../audit/audit-log.ts'
import { serveRoute } from '../../http/serve-route.ts'
import { acceptOctetStreams, serveDownloadRoute, serveUploadRoute } from '../../http/serve-binary-route.ts'
import type { BlobStore } from '../../storage/blob-store.ts'
import type { Storage } from '../../storage/storage.ts'
import { AttachmentService } from './attachment-service.ts'

/**
 * Registers the attachment routes of data samples (PUT, GET, DELETE
 * `/datasample/{id}/attachment/{documentId}`), in a plugin scope of their own where request bodies of
 * type application/octet-stream are handed over as streams. Deleting a data sample deletes its
 * attachments: the service listens for the sample's `delete` write event (emitted once the deletion
 * committed). Returns the service, whose `deleteAllOf` can also be called directly.
 */
export async function registerAttachmentRoutes(
  app: FastifyInstance,
  storage: Storage,
  events: EventBus,
  blobs: BlobStore,
  maxBytes: number,
  /** Where downloads are recorded (absent: the access log is off). */
  audit?: AuditSink,
): Promise<AttachmentService> {
  const service = new AttachmentService(storage, blobs, maxBytes, audit)
  events.subscribe((event) => {
    if (event.kind === 'delete' && event.entityType === 'dataSample')
      return service.deleteAllOf(event.id).then(() => undefined)
  })
  await app.register((scope, _options, done) => {
    acceptOctetStreams(scope)
    serveUploadRoute(scope, ROUTES.setDataSampleAttachment, ({ caller, params, body, declaredLength }) =>
      service.put(caller, { dataSampleId: params.id, documentId: params.documentId }, body, declaredLength),
    )
    serveDownloadRoute(scope, ROUTES.getDataSampleAttachment, ({ caller, params }) =>
      service.get(caller, { dataSampleId: params.id, documentId: params.documentId }),
    )
    serveRoute(scope, ROUTES.deleteDataSampleAttachment, ({ caller, params }) =>
      service.delete(caller, { dataSampleId: params.id, documentId: params.documentId }),
    )
    done()
  })
  return service
}
