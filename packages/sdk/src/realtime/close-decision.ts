import { REALTIME_CLOSE_CODES } from '@cairn/protocol'

/** What the client does once its socket closed. */
export type CloseDecision =
  /** Never reconnect: the app closed the subscription, or the server would refuse it again. */
  | { readonly action: 'stop' }
  /** Reconnect after the retry interval (if the retry budget allows); `renewToken` first after a 4401. */
  | { readonly action: 'reconnect'; readonly renewToken: boolean }

/**
 * The decision after a close with `code` (docs/realtime.md): nothing after the app's `close()`, nor
 * after a refusal that would come again (4400 bad subscribe message or filter, 4403 forbidden); a fresh
 * token first after 4401 (the access token expired or the session ended); a plain reconnection after
 * everything else, server-side closes included (1000/1001 when a server drains or restarts, 4408 no
 * pong, 4409 slow consumer, 4429 too many subscriptions, 1006 lost network), as MedTech reconnects
 * after every close it did not ask for.
 */
export function closeDecision(code: number, closedByApp: boolean): CloseDecision {
  if (closedByApp) return { action: 'stop' }
  if (code === REALTIME_CLOSE_CODES.badRequest || code === REALTIME_CLOSE_CODES.forbidden)
    return { action: 'stop' }
  return { action: 'reconnect', renewToken: code === REALTIME_CLOSE_CODES.unauthorized }
}

/**
 * The close code matching the HTTP status of a refused upgrade (a server or proxy may refuse the
 * WebSocket handshake itself rather than accept it and close): the same decisions then apply.
 * Undefined for other statuses (a proxy's 502, a 503 while the server starts): a transient failure.
 */
export function closeCodeOfUpgradeStatus(status: number): number | undefined {
  switch (status) {
    case 400:
      return REALTIME_CLOSE_CODES.badRequest
    case 401:
      return REALTIME_CLOSE_CODES.unauthorized
    case 403:
      return REALTIME_CLOSE_CODES.forbidden
    case 429:
      return REALTIME_CLOSE_CODES.tooMany
    default:
      return undefined
  }
}
