import { REALTIME_PATH } from '@cairn/protocol'

/**
 * The subscription socket's URL for a server at `baseUrl` (the SDK's base URL: the server's root,
 * with a reverse proxy's path prefix if any): `http` becomes `ws`, `https` `wss`, and the realtime
 * path follows, as the root routes do. A `ticket` (browsers) goes in the query.
 */
export function realtimeUrl(baseUrl: string, ticket?: string): string {
  const url = new URL(`${baseUrl.replace(/\/+$/, '')}${REALTIME_PATH}`)
  if (url.protocol === 'http:') url.protocol = 'ws:'
  else if (url.protocol === 'https:') url.protocol = 'wss:'
  if (ticket !== undefined) url.searchParams.set('ticket', ticket)
  return url.toString()
}
