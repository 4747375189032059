import { API_PREFIX } from '@cairn/protocol'
import { SdkError } from '../http/sdk-error.ts'

/**
 * Normalises a server base URL: accepts `http(s)://host[:port]` with or without a trailing slash or
 * the `/rest/v1` suffix (MedTech quirk 1, fixed), and an optional path prefix for servers behind a
 * reverse proxy. Throws synchronously on anything else.
 */
export function formatICureApiUrl(url: string): string {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new SdkError('BAD_REQUEST', `Invalid API URL "${url}": expected http(s)://host[:port][/path]`)
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new SdkError('BAD_REQUEST', `Invalid API URL "${url}": the protocol must be http or https`)
  }
  let path = parsed.pathname.replace(/\/+$/, '')
  if (path.endsWith(API_PREFIX)) path = path.slice(0, -API_PREFIX.length)
  return `${parsed.protocol}//${parsed.host}${path}`
}
