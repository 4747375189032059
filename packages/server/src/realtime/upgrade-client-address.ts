import type { IncomingMessage } from 'node:http'
import proxyAddr from '@fastify/proxy-addr'
import { fastifyTrustProxy, type TrustProxy } from '../http/trust-proxy.ts'

/** Decides whether the hop at `address` (0: the socket's peer) is a proxy whose X-Forwarded-For is believed. */
type TrustFn = (address: string, hop: number) => boolean

/**
 * The trust function of `value`, as Fastify builds it from its `trustProxy` option (the same
 * @fastify/proxy-addr, so an upgrade and a request from one client get one address).
 */
export function upgradeTrust(value: TrustProxy): TrustFn {
  const option = fastifyTrustProxy(value)
  if (typeof option === 'function') return option
  if (option === true) return () => true
  if (option === false) return () => false
  return proxyAddr.compile(option)
}

/**
 * The client address of a WebSocket upgrade, as `request.ip` would be for an HTTP request under the
 * same CAIRN_TRUST_PROXY: the upgrade never reaches Fastify, so its resolution is done here, for the
 * access log's entries of the socket's deliveries.
 */
export function upgradeClientAddress(request: IncomingMessage, trust: TrustFn): string | undefined {
  const addresses = proxyAddr.all(request, trust)
  return addresses[addresses.length - 1]
}
