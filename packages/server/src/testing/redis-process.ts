import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createServer } from 'node:net'

/** Debian's Redis server (package `redis-server`, installed by .ci/run when missing). */
export const REDIS_SERVER_BIN = '/usr/bin/redis-server'

/** A throw-away redis-server for tests: no persistence, on 127.0.0.1 and a free port. */
export interface RedisProcess {
  readonly port: number
  /** `redis://[:password@]127.0.0.1:<port>`. */
  readonly url: string
  /** Stops the server (SIGTERM, then waits for the exit). */
  stop(): Promise<void>
  /** Starts it again on the same port (after stop()), as a restarted Redis comes back. */
  restart(): Promise<void>
}

/** A port that was free a moment ago (the OS picks it; the tiny race is acceptable in tests). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

/**
 * Starts `redis-server` on a free port with persistence off (`--save '' --appendonly no`), optionally
 * with a password, and waits until it accepts connections. The caller stops it at the end.
 */
export async function startRedis(options: { password?: string } = {}): Promise<RedisProcess> {
  if (!existsSync(REDIS_SERVER_BIN))
    throw new Error(`${REDIS_SERVER_BIN} is missing: install Debian's redis-server package`)
  const port = await freePort()
  let child: ChildProcess | undefined
  const launch = async (): Promise<void> => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']
    if (options.password) args.push('--requirepass', options.password)
    const proc = spawn(REDIS_SERVER_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    child = proc
    let out = ''
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server did not start in 10 s:\n${out}`)), 10_000)
      const onData = (d: Buffer) => {
        out += d.toString()
        if (out.includes('Ready to accept connections')) {
          clearTimeout(timer)
          proc.stdout.off('data', onData)
          resolve()
        }
      }
      proc.stdout.on('data', onData)
      proc.stderr.on('data', (d: Buffer) => (out += d.toString()))
      proc.once('exit', (code) => {
        clearTimeout(timer)
        reject(new Error(`redis-server exited with ${code}:\n${out}`))
      })
    })
    // Keep draining its output so that a full pipe never blocks it.
    proc.stdout.resume()
  }
  const stop = async (): Promise<void> => {
    const proc = child
    child = undefined
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return
    const exited = new Promise((resolve) => proc.once('exit', resolve))
    proc.kill('SIGTERM')
    await exited
  }
  await launch()
  const auth = options.password ? `:${encodeURIComponent(options.password)}@` : ''
  return { port, url: `redis://${auth}127.0.0.1:${port}`, stop, restart: launch }
}
