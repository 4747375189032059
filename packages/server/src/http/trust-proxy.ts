import { isIP } from 'node:net'

/**
 * Which proxies the server believes about the client's address (`X-Forwarded-For`) and protocol
 * (`X-Forwarded-Proto`): Fastify's `trustProxy` option. `false` trusts none (the address is the
 * socket's peer), `true` every hop (only when nothing can reach the server but the proxy), a number
 * the n closest hops, a list the proxies at these addresses or networks.
 */
export type TrustProxy = boolean | number | string[]

/** An IPv4 or IPv6 address, optionally with a CIDR prefix length. */
function isAddressOrCidr(value: string): boolean {
  const [address, prefix, extra] = value.split('/')
  const version = isIP(address)
  if (version === 0 || extra !== undefined) return false
  if (prefix === undefined) return true
  if (!/^\d{1,3}$/.test(prefix)) return false
  return Number(prefix) <= (version === 4 ? 32 : 128)
}

/**
 * Reads CAIRN_TRUST_PROXY: empty or `false` (the default: trust no proxy), `true`, a hop count
 * (`1`: the one reverse proxy in front), or a comma list of addresses and CIDR networks
 * (`10.0.0.0/8, 127.0.0.1`). Anything else fails the start with a clear message: a typo must not
 * silently make every client share the proxy's address, or let clients choose theirs.
 */
export function parseTrustProxy(raw: string | undefined): TrustProxy {
  const value = raw?.trim() ?? ''
  if (value === '' || value === 'false') return false
  if (value === 'true') return true
  if (/^\d+$/.test(value)) return Number(value)
  const list = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
  const wrong = list.filter((s) => !isAddressOrCidr(s))
  if (list.length === 0 || wrong.length > 0)
    throw new Error(
      `CAIRN_TRUST_PROXY must be true, false, a hop count or a comma list of addresses/CIDRs, got "${raw}"` +
        (wrong.length > 0 ? ` (not an address or CIDR: ${wrong.join(', ')})` : ''),
    )
  return list
}

/**
 * The `trustProxy` option of Fastify for `value`. A hop count becomes a function of the hop: Fastify
 * 5 refuses plain numbers (it trusts nothing then, because a count cannot tell the proxy from a
 * client that reached the server directly and wrote its own X-Forwarded-For). With a count, the
 * server must be reachable through the proxy only; a list of the proxies' addresses is safer.
 */
export function fastifyTrustProxy(
  value: TrustProxy,
): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof value !== 'number') return value
  if (value === 0) return false
  return (_address, hop) => hop < value
}
