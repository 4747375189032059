import type { ErrorCode } from '@cairn/protocol'

/**
 * The SDK's one error type for failed HTTP calls. Its message follows the MedTech format
 * `"<status> - <message>\nX-Request-Id: <id>\nURL: <url>"` so code matching on `"409 - "` keeps
 * working; `status` and `code` give the same information without parsing.
 */
export class SdkError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    readonly serverMessage: string,
    readonly url: string,
    readonly requestId?: string,
  ) {
    super(`${status} - ${serverMessage}\nX-Request-Id: ${requestId ?? ''}\nURL: ${url}`)
    this.name = 'SdkError'
  }
}
