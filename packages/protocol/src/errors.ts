/**
 * The closed set of error codes shared by server and SDK, and the one table mapping them to HTTP
 * status. Every error response body is `{ error: { code, message } }`.
 */
export const ERROR_STATUS = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  /**
   * The action needs a recent login with a credential (changing one's own password or email): log in
   * again, then retry. The SDK does it by itself when it holds the password.
   */
  REAUTHENTICATION_REQUIRED: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
  /** The database has no space left: nothing was written; reads go on working. */
  INSUFFICIENT_STORAGE: 507,
} as const

/** One of the closed set of error codes. */
export type ErrorCode = keyof typeof ERROR_STATUS

/** Wire shape of every error response. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string }
}

/** Maps an HTTP status back to the closest error code (used by clients reading foreign responses). */
export function errorCodeForStatus(status: number): ErrorCode {
  const found = (Object.entries(ERROR_STATUS) as [ErrorCode, number][]).find(([, s]) => s === status)
  if (found) return found[0]
  return status >= 500 ? 'INTERNAL' : 'BAD_REQUEST'
}
