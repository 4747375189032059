import { CryptoError } from './crypto-error.ts'
import { createNodeBackend, type NodeCryptoModule } from './node-backend.ts'
import type { SymmetricBackend, SymmetricBackendName } from './symmetric-backend.ts'
import { webBackend } from './web-backend.ts'

// Runtime choice of the symmetric backend, without bundler tricks: node:crypto is obtained through
// `process.getBuiltinModule` (Node >= 20.16; the package requires >= 20.19), never through a static or
// dynamic `import`, so bundles for browsers contain no reference to it beyond that string and browsers
// (where `process` is absent, or a polyfill without getBuiltinModule) get WebCrypto. Nothing runs at
// import time: the choice is made on first use and then kept.
//
// CAIRN_CRYPTO_BACKEND (read once, on first use) overrides the choice: `web` forces WebCrypto (to run a
// Node test suite against the browser code path), `node` requires node:crypto, `auto` or unset chooses.

/** Name of the environment variable that forces a backend. */
export const BACKEND_ENV_VAR = 'CAIRN_CRYPTO_BACKEND'

interface ProcessLike {
  env?: Record<string, string | undefined>
  getBuiltinModule?: (id: string) => unknown
}

let node: SymmetricBackend | null | undefined // undefined: not probed yet; null: not available
let selected: SymmetricBackend | undefined
let forced: SymmetricBackend | undefined

function processLike(): ProcessLike | undefined {
  return (globalThis as { process?: ProcessLike }).process
}

/**
 * The node:crypto backend if this runtime provides node:crypto through `process.getBuiltinModule`
 * (Node, and runtimes compatible with it), else undefined. Internal; tests use it to run both backends.
 */
export function nodeBackend(): SymmetricBackend | undefined {
  if (node === undefined) {
    let mod: unknown
    try {
      mod = processLike()?.getBuiltinModule?.('node:crypto')
    } catch {
      mod = undefined
    }
    node = isNodeCrypto(mod) ? createNodeBackend(mod) : null
  }
  return node ?? undefined
}

/** The WebCrypto backend (internal; available wherever `globalThis.crypto.subtle` is). */
export function webCryptoBackend(): SymmetricBackend {
  return webBackend
}

/**
 * The symmetric backend every operation of the package uses: node:crypto in Node, WebCrypto elsewhere,
 * unless overridden by {@link BACKEND_ENV_VAR} or {@link setSymmetricBackendForTests}. Internal: not
 * exported from index.ts. Throws CryptoError BAD_INPUT on an unknown value of the environment variable,
 * or on `node` where node:crypto is unavailable.
 */
export function symmetricBackend(): SymmetricBackend {
  return forced ?? (selected ??= select())
}

/**
 * Forces a backend for the following operations, or with `null` returns to the normal choice. For tests
 * only (running the same suite on both backends, cross-backend interop); internal, not exported from
 * index.ts. Throws CryptoError BAD_INPUT when asked for `node` where node:crypto is unavailable.
 */
export function setSymmetricBackendForTests(name: SymmetricBackendName | null): void {
  forced = name === null ? undefined : byName(name)
}

function select(): SymmetricBackend {
  const wanted = processLike()?.env?.[BACKEND_ENV_VAR]
  if (wanted === undefined || wanted === '' || wanted === 'auto') return nodeBackend() ?? webBackend
  if (wanted === 'node' || wanted === 'web') return byName(wanted)
  throw new CryptoError('BAD_INPUT', `${BACKEND_ENV_VAR}=${wanted}: expected node, web or auto`)
}

function byName(name: SymmetricBackendName): SymmetricBackend {
  if (name === 'web') return webBackend
  const n = nodeBackend()
  if (!n)
    throw new CryptoError(
      'BAD_INPUT',
      'the node backend is unavailable: process.getBuiltinModule gives no crypto module here',
    )
  return n
}

function isNodeCrypto(mod: unknown): mod is NodeCryptoModule {
  if (typeof mod !== 'object' || mod === null) return false
  const m = mod as Record<string, unknown>
  return (
    typeof m.createCipheriv === 'function' &&
    typeof m.createDecipheriv === 'function' &&
    typeof m.createHmac === 'function' &&
    typeof m.createHash === 'function' &&
    typeof m.randomFillSync === 'function'
  )
}
