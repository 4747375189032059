import { Type, type Static } from '@sinclair/typebox'
import { IdSchema } from './dto.ts'

/**
 * Wire shapes of the attachment routes (`/datasample/{id}/attachment/{documentId}`). The attachment
 * itself travels as raw encrypted bytes (application/octet-stream); these are the JSON parts around it.
 * Inline schemas (no `$id`): they are small and used by these routes only.
 */

/** Path parameters: the data sample and the document id of one of its attachments (UUIDs). */
export const AttachmentParamsSchema = Type.Object({ id: IdSchema, documentId: IdSchema })
export type AttachmentParamsDto = Static<typeof AttachmentParamsSchema>

/** What the server answers once it stored or deleted an attachment: which one, and its stored size. */
export const AttachmentInfoSchema = Type.Object(
  {
    dataSampleId: Type.String(),
    documentId: Type.String(),
    /** Bytes stored (the encrypted form); absent in the answer to a deletion. */
    size: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
)
export type AttachmentInfoDto = Static<typeof AttachmentInfoSchema>

/**
 * The raw bytes of an encrypted attachment: documents the octet-stream body or answer in the OpenAPI
 * document. Never validated as JSON: the server streams these bytes without parsing them.
 */
export const AttachmentBytesSchema = Type.Unsafe<Uint8Array>(
  Type.String({
    format: 'binary',
    description: 'The encrypted attachment (docs/protocol.md, "Attachments")',
  }),
)
