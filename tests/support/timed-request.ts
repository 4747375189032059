/** What one raw HTTP call answered, with the headers fault tests look at and how long it took. */
export interface TimedReply {
  status: number
  body: { error?: { code: string; message: string } } & Record<string, unknown>
  /** The Retry-After header, if any. */
  retryAfter: string | null
  /** Milliseconds from sending to the whole body. */
  ms: number
}

/**
 * One HTTP call to `baseUrl + path` with an optional bearer token and JSON body, never throwing on an
 * error status; a server that does not answer within 15 s fails the call (a hang is a failure).
 */
export async function timedRequest(
  baseUrl: string,
  token: string | undefined,
  method: string,
  path: string,
  json?: unknown,
): Promise<TimedReply> {
  const started = Date.now()
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(json !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: json === undefined ? undefined : JSON.stringify(json),
    signal: AbortSignal.timeout(15_000),
  })
  const text = await res.text()
  return {
    status: res.status,
    body: text ? (JSON.parse(text) as TimedReply['body']) : {},
    retryAfter: res.headers.get('retry-after'),
    ms: Date.now() - started,
  }
}
