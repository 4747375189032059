import { readFileSync, readdirSync, statSync } from 'node:fs'
import { Session, type Profiler } from 'node:inspector/promises'
import { relative } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Self time of one function (or one category), aggregated over a CPU profile. */
export interface HotSpot {
  name: string
  selfMs: number
  /** Share of the profiled wall time. */
  percent: number
}

/** Summary of a client-side CPU profile. */
export interface ProfileSummary {
  totalMs: number
  /** Top functions by self time, aggregated by function name and file. */
  functions: HotSpot[]
  /** Self time by where the code lives: packages/crypto, packages/sdk, node internals, idle, GC, ... */
  categories: HotSpot[]
}

const ROOT = fileURLToPath(new URL('..', import.meta.url))

/**
 * Runs `fn` under the V8 CPU profiler of this process (node:inspector, in-process) and aggregates
 * self time by function. Only the main JS thread is sampled: WebCrypto work runs on libuv threads
 * and shows up as the JS time spent around it and as "(idle)" while awaiting it.
 */
export async function profile(fn: () => Promise<unknown>, top = 12): Promise<ProfileSummary> {
  const session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.setSamplingInterval', { interval: 200 })
  await session.post('Profiler.start')
  let result: Profiler.Profile
  try {
    await fn()
  } finally {
    result = (await session.post('Profiler.stop')).profile
    session.disconnect()
  }
  return summarise(result, top)
}

/**
 * The main-thread `.cpuprofile` a process started with `--cpu-prof --cpu-prof-dir=<dir>` wrote on
 * exit: worker threads (e.g. the loader's) write their own, smaller files next to it.
 */
export function readCpuProfile(dir: string): Profiler.Profile {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => ({ f, size: statSync(`${dir}/${f}`).size }))
    .sort((a, b) => b.size - a.size)
  if (files.length === 0) throw new Error(`no .cpuprofile in ${dir}`)
  return JSON.parse(readFileSync(`${dir}/${files[0].f}`, 'utf8')) as Profiler.Profile
}

/** The part of a profile sampled between two CLOCK_MONOTONIC instants (µs), e.g. one measured phase. */
export function sliceProfile(p: Profiler.Profile, startUs: number, endUs: number): Profiler.Profile {
  const samples: number[] = []
  const timeDeltas: number[] = []
  let t = p.startTime
  let last = startUs
  const all = p.samples ?? []
  for (let i = 0; i < all.length; i++) {
    t += p.timeDeltas?.[i] ?? 0
    if (t < startUs || t > endUs) continue
    samples.push(all[i])
    timeDeltas.push(t - last)
    last = t
  }
  return { ...p, startTime: startUs, endTime: endUs, samples, timeDeltas }
}

/** Aggregates the self time of a profile by function+file and by category. */
export function summarise(p: Profiler.Profile, top: number): ProfileSummary {
  const selfUs = new Map<number, number>()
  const samples = p.samples ?? []
  const deltas = p.timeDeltas ?? []
  for (let i = 0; i < samples.length; i++) {
    // timeDeltas[i] is the time before sample i; the time after it (deltas[i+1]) is spent in it.
    const dt = deltas[i + 1] ?? 0
    selfUs.set(samples[i], (selfUs.get(samples[i]) ?? 0) + dt)
  }
  const parentOf = new Map<number, Profiler.ProfileNode>()
  for (const node of p.nodes) for (const child of node.children ?? []) parentOf.set(child, node)
  const byFunction = new Map<string, number>()
  const byCategory = new Map<string, number>()
  for (const node of p.nodes) {
    const us = selfUs.get(node.id) ?? 0
    if (us === 0) continue
    const { functionName, url } = node.callFrame
    // A native frame (no url, e.g. a WebCrypto job's `run`) is named after its nearest JS caller and
    // counted in that caller's category, so that time lands where the code asked for it.
    const caller = url || functionName.startsWith('(') ? undefined : jsCaller(node, parentOf)
    const file = shortUrl(url)
    const name = caller
      ? `${functionName || '(anonymous)'} [native] <- ${frameName(caller)}`
      : `${functionName || '(anonymous)'}${file ? ` ${file}` : ''}`
    byFunction.set(name, (byFunction.get(name) ?? 0) + us)
    const category = caller
      ? categoryOf(caller.callFrame.functionName, caller.callFrame.url)
      : categoryOf(functionName, url)
    byCategory.set(category, (byCategory.get(category) ?? 0) + us)
  }
  const totalMs = (p.endTime - p.startTime) / 1000
  const list = (m: Map<string, number>, n: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => ({ name, selfMs: us / 1000, percent: (us / 1000 / totalMs) * 100 }))
  return { totalMs, functions: list(byFunction, top), categories: list(byCategory, 20) }
}

/** The nearest ancestor of a node that is JavaScript (has a script url). */
function jsCaller(
  node: Profiler.ProfileNode,
  parentOf: Map<number, Profiler.ProfileNode>,
): Profiler.ProfileNode | undefined {
  for (let n = parentOf.get(node.id); n; n = parentOf.get(n.id)) if (n.callFrame.url) return n
  return undefined
}

function frameName(node: Profiler.ProfileNode): string {
  return `${node.callFrame.functionName || '(anonymous)'} ${shortUrl(node.callFrame.url)}`
}

/** A repository-relative path, `node:` module or package name for a script URL. */
function shortUrl(url: string): string {
  if (!url) return ''
  if (url.startsWith('node:')) return url
  const path = url.startsWith('file://') ? fileURLToPath(url) : url
  const nm = path.lastIndexOf('node_modules/')
  if (nm >= 0) return path.slice(nm)
  return path.startsWith(ROOT) ? relative(ROOT, path) : path
}

/** Where a function lives, to see at a glance whether time goes to crypto, the SDK, HTTP or waiting. */
function categoryOf(functionName: string, url: string): string {
  if (!url) {
    if (functionName === '(idle)') return '(idle: waiting for I/O, the other process or threads)'
    if (functionName === '(garbage collector)') return '(garbage collector)'
    if (functionName === '(program)') return '(program: V8/native outside JS)'
    return `native ${functionName || '(anonymous)'}`
  }
  const m = /packages\/([a-z-]+)\/src\//.exec(url)
  if (m) return `packages/${m[1]}`
  if (url.includes('node_modules/undici') || url.includes('node:internal/deps/undici'))
    return 'undici (fetch)'
  if (url.includes('node_modules/')) return 'other node_modules'
  if (url.startsWith('node:internal/crypto') || url.startsWith('node:internal/webcrypto'))
    return 'node WebCrypto (JS side)'
  if (url.startsWith('node:')) return 'node internals (streams, timers, ...)'
  if (url.includes('/bench/') || url.includes('/tests/')) return 'bench & test support'
  return 'other'
}
