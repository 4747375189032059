import { ERROR_STATUS, type ErrorCode } from '@cairn/protocol'

/**
 * The server's one error type: a code from the closed protocol set plus a message safe to show to
 * the caller (it must never contain secrets or decrypted content — the server has none anyway).
 */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Seconds after which a retry may succeed (sent as Retry-After), for transient failures. */
    readonly retryAfter?: number,
  ) {
    super(message)
    this.name = 'AppError'
  }

  /** HTTP status of this error, from the single protocol table. */
  get status(): number {
    return ERROR_STATUS[this.code]
  }
}

/** Shorthands keep call sites readable: `throw forbidden('...')`. */
export const badRequest = (m: string) => new AppError('BAD_REQUEST', m)
export const unauthorized = (m: string) => new AppError('UNAUTHORIZED', m)
export const forbidden = (m: string) => new AppError('FORBIDDEN', m)
export const notFound = (m: string) => new AppError('NOT_FOUND', m)
export const conflict = (m: string) => new AppError('CONFLICT', m)
