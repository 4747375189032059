import type { Profiler } from 'node:inspector'
import { summarise, type HotSpot } from '../profile.ts'

/** Where the server's main thread spent one run: by package and by function. */
export interface ServerHotSpots {
  categories: HotSpot[]
  functions: HotSpot[]
}

/**
 * Summarises a slice of the server's CPU profile by self time. Functions come from bench/profile.ts;
 * categories here are finer than its own: one per npm package (fastify, pino, jose, kysely,
 * better-sqlite3, pg...) and per folder of packages/server/src, because server time is spread over
 * libraries rather than over the SDK and WebCrypto.
 */
export function summariseServerProfile(p: Profiler.Profile): ServerHotSpots {
  const { functions, totalMs } = summarise(p, 25)
  const selfUs = new Map<number, number>()
  const samples = p.samples ?? []
  const deltas = p.timeDeltas ?? []
  for (let i = 0; i < samples.length; i++) {
    selfUs.set(samples[i], (selfUs.get(samples[i]) ?? 0) + (deltas[i + 1] ?? 0))
  }
  const parentOf = new Map<number, Profiler.ProfileNode>()
  for (const node of p.nodes) for (const child of node.children ?? []) parentOf.set(child, node)
  const byCategory = new Map<string, number>()
  for (const node of p.nodes) {
    const us = selfUs.get(node.id) ?? 0
    if (us === 0) continue
    // A native frame counts for its nearest JavaScript caller (e.g. better-sqlite3's `run`).
    let frame: Profiler.ProfileNode | undefined = node
    while (frame && !frame.callFrame.url && !frame.callFrame.functionName.startsWith('(')) {
      frame = parentOf.get(frame.id)
    }
    const category = categoryOf(frame ?? node)
    byCategory.set(category, (byCategory.get(category) ?? 0) + us)
  }
  const categories = [...byCategory.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 16)
    .map(([name, us]) => ({ name, selfMs: us / 1000, percent: (us / 1000 / totalMs) * 100 }))
  return { categories, functions }
}

function categoryOf(node: Profiler.ProfileNode): string {
  const { functionName, url } = node.callFrame
  if (!url) return functionName || '(native)'
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)
  if (nm) return nm[1]
  const src = /packages\/([a-z-]+)\/src\/([a-z-]+)/.exec(url)
  if (src) return `packages/${src[1]}/src/${src[2]}`
  if (url.startsWith('node:')) return url.replace(/^node:internal\//, 'node:').split('/')[0]
  return url
}
