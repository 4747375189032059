/**
 * An error the console shows as is: the server's `{error: {code, message}}` answer, or what went
 * wrong before a request could be made.
 */
export class ConsoleError extends Error {
  constructor(
    message: string,
    /** The server's error code (`UNAUTHORIZED`, `CONFLICT`...), when it answered. */
    readonly code?: string,
    /** The HTTP status, when the server answered. */
    readonly status?: number,
  ) {
    super(message)
    this.name = 'ConsoleError'
  }
}

/** The message of anything thrown, for an alert: SDK and server errors already say what was wrong. */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}
