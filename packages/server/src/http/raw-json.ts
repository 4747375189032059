/**
 * JSON text that is already serialised, sent as is: stored documents are kept as the JSON text they
 * were written as, so reads cost no JSON work on the server. `T` is the shape the text has, so that
 * route handlers stay typed against their route's response schema.
 */
export class RawJson<T = unknown> {
  declare readonly shape?: T
  constructor(readonly text: string) {}

  /** An array of JSON texts as one JSON array. */
  static array<T>(texts: readonly string[]): RawJson<T[]> {
    return new RawJson<T[]>(`[${texts.join(',')}]`)
  }
}
