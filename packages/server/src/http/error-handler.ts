import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify'
import type { ErrorBody, ErrorCode } from '@cairn/protocol'
import { ERROR_STATUS, MAX_ENCRYPTED_SELF_LENGTH } from '@cairn/protocol'
import { AppError } from './app-error.ts'
import { StorageConflict } from '../storage/storage.ts'
import {
  FAULT_MESSAGES,
  FAULT_RETRY_AFTER,
  classifyStorageFault,
  isStorageError,
} from '../storage/storage-fault.ts'
import type { StorageFaultLog } from '../storage/storage-fault-log.ts'

/** Fastify's own error codes that are the client's fault, mapped onto our closed set. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'BAD_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'BAD_REQUEST',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST',
  FST_ERR_CTP_INVALID_JSON_BODY: 'BAD_REQUEST',
  FST_ERR_VALIDATION: 'BAD_REQUEST',
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Code of the error this request was answered with, for its log line (request-log.ts). */
    errorCode?: ErrorCode
  }
}

/** Builds the JSON error body. */
export function errorBody(code: ErrorCode, message: string): ErrorBody {
  return { error: { code, message } }
}

/** Answers with the error body of `code` and its status, and notes the code for the request's log line. */
function sendError(reply: FastifyReply, code: ErrorCode, message: string) {
  reply.request.errorCode = code
  return reply.status(ERROR_STATUS[code]).send(errorBody(code, message))
}

/**
 * Where an `encryptedSelf` sits in a request (a single entity or an entry of a batch): the schema
 * refuses one longer than MAX_ENCRYPTED_SELF_LENGTH, and that is an entity too large (413), not a
 * malformed request.
 */
const ENCRYPTED_SELF_PATH = /^(?:\/(\d+))?\/systemMetaData\/encryptedSelf$/

/** The 413 of an entity whose encrypted content is over the limit, or undefined for any other validation error. */
function entityTooLarge(error: FastifyError): AppError | undefined {
  const first = error.validation?.[0]
  if (error.validationContext !== 'body' || first?.keyword !== 'maxLength') return undefined
  const path = ENCRYPTED_SELF_PATH.exec(first.instancePath)
  if (!path) return undefined
  const where = path[1] === undefined ? '' : ` (entry ${path[1]} of the batch)`
  return new AppError(
    'PAYLOAD_TOO_LARGE',
    `Entity too large: its systemMetaData.encryptedSelf${where} is longer than the limit of ${MAX_ENCRYPTED_SELF_LENGTH} characters (docs/limits.md); store large content as several entities`,
  )
}

/**
 * The AppError a database fault is answered with: 507 when the disk is full, 503 otherwise, both with
 * a Retry-After; undefined when `error` is not a database fault.
 */
export function storageFaultError(error: unknown, faults: StorageFaultLog): AppError | undefined {
  const fault = classifyStorageFault(error)
  if (!fault) return undefined
  faults.report(fault)
  const code = fault.kind === 'full' ? 'INSUFFICIENT_STORAGE' : 'UNAVAILABLE'
  return new AppError(code, FAULT_MESSAGES[fault.kind], FAULT_RETRY_AFTER[fault.kind])
}

/**
 * Installs the one central error handler: every failure leaves as `{error: {code, message}}` with
 * the status of the protocol table. Database faults become 503/507 with Retry-After, logged once by
 * `faults`. Unexpected errors are logged (without request bodies) and answered with a generic 500 so
 * that internals never leak.
 */
export function installErrorHandler(app: FastifyInstance, faults: StorageFaultLog): void {
  app.setErrorHandler((raw: FastifyError | Error, request, reply) => {
    // Only errors of the database layer are database faults: a client hanging up mid-body also raises
    // ECONNRESET, and must neither be answered 503 nor fill the fault log.
    const err =
      (isStorageError(raw) && storageFaultError(raw, faults)) || entityTooLarge(raw as FastifyError) || raw
    if (err instanceof AppError) {
      if (err.retryAfter !== undefined) void reply.header('retry-after', String(err.retryAfter))
      return sendError(reply, err.code, err.message)
    }
    if (err instanceof StorageConflict) {
      const message =
        err.reason === 'exists'
          ? `Conflict: ${err.ids.join(', ')} already exists`
          : `Conflict: ${err.ids.join(', ')} was modified by someone else (stale rev); nothing was saved`
      return sendError(reply, 'CONFLICT', message)
    }
    const fe = err as FastifyError
    if (fe.validation) {
      const context = fe.validationContext ? `${fe.validationContext} ` : ''
      return sendError(reply, 'BAD_REQUEST', `Invalid ${context}: ${fe.message}`.replace(' :', ':'))
    }
    if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      const limit = request.routeOptions.bodyLimit
      return sendError(
        reply,
        'PAYLOAD_TOO_LARGE',
        `Request body is larger than the limit of ${limit} bytes (docs/limits.md); split batches or shrink the entity`,
      )
    }
    const mapped = fe.code ? FASTIFY_CODES[fe.code] : undefined
    if (mapped) return sendError(reply, mapped, fe.message)
    if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
      const code =
        fe.statusCode === 413 ? 'PAYLOAD_TOO_LARGE' : fe.statusCode === 429 ? 'RATE_LIMITED' : 'BAD_REQUEST'
      return sendError(reply, code, fe.message)
    }
    request.log.error({ err: { name: err.name, message: err.message, stack: err.stack } }, 'unhandled error')
    return sendError(reply, 'INTERNAL', 'Internal server error')
  })
  app.setNotFoundHandler((request, reply) => {
    void sendError(reply, 'NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}`)
  })
}
