import { spawn } from 'node:child_process'
import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { LoadResult, LoadSpec } from './load-client.ts'

const ROOT = new URL('../..', import.meta.url).pathname

/**
 * The pid of a server process that startServer spawned (a child of this process running `serve`) and
 * that is not in `known`: the benchmarks read its CPU time from /proc.
 */
export async function serverPid(known: Set<number>): Promise<number | undefined> {
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      if (ppid !== process.pid || known.has(Number(entry))) continue
      const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8')
      if (cmdline.includes('packages/cli/src/main.ts\0serve')) return Number(entry)
    } catch {
      // The process ended while we looked: not ours.
    }
  }
  return undefined
}

/**
 * Runs the load generator (load-client.ts) in its own process, so that its CPU is never counted as a
 * server's, and returns what it measured.
 */
export function runLoadProcess(spec: LoadSpec): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/server/load-process.ts')], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`load generator exited with ${code}: ${err}`))
      resolve(JSON.parse(out) as LoadResult)
    })
    // The spec (with the bearer token) goes through stdin, never argv.
    child.stdin.end(JSON.stringify(spec))
  })
}
