import type { ErrorCode } from '@cairn/protocol'

/**
 * Codes of SdkError: the server's closed set, plus what only the client can tell — the server could
 * not be reached (NETWORK), the method is not in Cairn yet (NOT_AVAILABLE), data failed to decrypt
 * (DECRYPTION), an entity or key did not verify (INTEGRITY: tampering, substitution, rollback), a public
 * key of a data owner changed without a verification the crypto strategies accept (KEY_VERIFICATION).
 */
export type SdkErrorCode =
  ErrorCode | 'NETWORK' | 'NOT_AVAILABLE' | 'DECRYPTION' | 'INTEGRITY' | 'KEY_VERIFICATION'

/** Details of an SdkError besides its message. */
export interface SdkErrorDetails {
  /** HTTP status of the answer; 0 when there was none (network failure, client-side error). */
  status?: number
  /** The request id the server answered with (its x-request-id). */
  requestId?: string
  /** `<METHOD> <url>` of the failed request. */
  url?: string
  /** The server's own message, without the MedTech decoration. */
  serverMessage?: string
  /** The underlying error (e.g. the network error with its ECONNREFUSED / ENOTFOUND code). */
  cause?: unknown
}

/**
 * The SDK's one error type. HTTP failures keep the MedTech message format
 * `"<status> - <message>\nX-Request-Id: <id>\nURL: <url>"` so code matching on `"409 - "` keeps
 * working; `code`, `status` and `requestId` give the same information without parsing, and `cause`
 * chains the underlying error.
 */
export class SdkError extends Error {
  readonly code: SdkErrorCode
  readonly status: number
  readonly requestId?: string
  readonly url?: string
  readonly serverMessage?: string

  constructor(code: SdkErrorCode, message: string, details: SdkErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause })
    this.name = 'SdkError'
    this.code = code
    this.status = details.status ?? 0
    this.requestId = details.requestId
    this.url = details.url
    this.serverMessage = details.serverMessage
  }

  /** The error of a failed HTTP answer, in the MedTech message format. */
  static fromResponse(
    status: number,
    code: SdkErrorCode,
    serverMessage: string,
    url: string,
    requestId: string | undefined,
  ): SdkError {
    return new SdkError(code, `${status} - ${serverMessage}\nX-Request-Id: ${requestId ?? ''}\nURL: ${url}`, {
      status,
      requestId,
      url,
      serverMessage,
    })
  }
}

/** A failure to reach the server, naming the system error (ECONNREFUSED, ENOTFOUND, a certificate error...). */
export function networkError(baseUrl: string, url: string, error: unknown): SdkError {
  return new SdkError(
    'NETWORK',
    `Cannot reach the Cairn server at ${baseUrl}: ${describeNetworkError(error)}`,
    {
      url,
      cause: error,
    },
  )
}

/** The most telling part of a fetch failure: undici wraps the system error in `cause`. */
function describeNetworkError(error: unknown): string {
  const parts: string[] = []
  let current: unknown = error
  for (let depth = 0; current instanceof Error && depth < 4; depth++) {
    const code = (current as Error & { code?: unknown }).code
    parts.push(
      typeof code === 'string' && !current.message.includes(code)
        ? `${current.message} (${code})`
        : current.message,
    )
    current = (current as Error & { cause?: unknown }).cause
  }
  return parts.length > 0 ? parts.join(': ') : String(error)
}

/**
 * The error of a MedTech method that Cairn does not implement yet: it exists, so that code written
 * for the MedTech SDK fails with a clear message instead of `x is not a function`.
 */
export function notAvailable(method: string): SdkError {
  return new SdkError(
    'NOT_AVAILABLE',
    `${method} is not available yet in Cairn; see docs/compatibility.md ("Not yet available") for what is planned`,
  )
}
