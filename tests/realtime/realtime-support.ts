import type { Connection } from '@cairn/sdk'
import { createHcp } from '../../packages/cli/src/commands/create-hcp.ts'
import type { ServerProcess } from '../support/server-process.ts'

/** How long a test waits for an event before failing (generous: 2 cores shared by RSA and scrypt). */
export const EVENT_TIMEOUT_MS = 15_000

/**
 * What a subscription delivered, in order, with a bounded wait: `eventFired` pushes to it, and a test
 * waits for a condition on what arrived rather than sleeping. Errors reported through `onError` are
 * collected too.
 */
export class EventLog<M> {
  readonly items: M[] = []
  readonly errors: Error[] = []
  #waiters = new Set<() => void>()

  /** The `eventFired` callback to pass to `subscribeTo...Events`. */
  readonly push = (item: M): Promise<void> => {
    this.items.push(item)
    this.#notify()
    return Promise.resolve()
  }

  /** Collects what `connection` reports through onError. */
  watch(connection: Connection): Connection {
    return connection.onError((e) => {
      this.errors.push(e ?? new Error('onError without an error'))
      this.#notify()
    })
  }

  /** Waits until `check(items)` is true; fails with what arrived after `timeoutMs`. */
  async until(check: (items: M[]) => boolean, what: string, timeoutMs = EVENT_TIMEOUT_MS): Promise<M[]> {
    if (check(this.items)) return this.items
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter)
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ${what}; got ${this.items.length} events: ` +
              JSON.stringify(this.items.map(describe)) +
              (this.errors.length ? `; errors: ${this.errors.map((e) => e.message).join(' | ')}` : ''),
          ),
        )
      }, timeoutMs)
      const waiter = () => {
        if (!check(this.items)) return
        clearTimeout(timer)
        this.#waiters.delete(waiter)
        resolve()
      }
      this.#waiters.add(waiter)
    })
    return this.items
  }

  /** Waits for an item matching `match` and returns it. */
  async next(match: (item: M) => boolean, what: string, timeoutMs?: number): Promise<M> {
    await this.until((items) => items.some(match), what, timeoutMs)
    return this.items.find(match)!
  }

  #notify(): void {
    for (const waiter of [...this.#waiters]) waiter()
  }
}

/** A short description of a delivered model for failure messages (ids and dates, no content). */
function describe(item: unknown): unknown {
  const m = item as { id?: string; rev?: string; deletionDate?: number; endOfLife?: number }
  return { id: m?.id, rev: m?.rev, deletionDate: m?.deletionDate }
}

/** Waits until `check()` is true, polling every 20 ms, for at most `timeoutMs`. */
export async function eventually(
  check: () => boolean,
  what: string,
  timeoutMs = EVENT_TIMEOUT_MS,
): Promise<void> {
  const start = Date.now()
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** A healthcare professional made with the CLI's create-hcp flow, with its credentials and key pair. */
export interface KeyedHcp {
  login: string
  password: string
  dataOwnerId: string
  keyPair: { privateKey: string; publicKey: string }
}

let hcpCounter = 0

/** Creates a professional on `server` and returns what another API (another URL, a browser) logs in with. */
export async function createKeyedHcp(server: ServerProcess, name: string): Promise<KeyedHcp> {
  const creds = await createHcp({
    url: server.url,
    adminLogin: server.adminLogin,
    adminPassword: server.adminPassword,
    login: `${name}-${Date.now().toString(36)}-${++hcpCounter}@example.org`,
    firstName: name,
    lastName: 'Realtime',
  })
  return {
    login: creds.login,
    password: creds.password,
    dataOwnerId: creds.healthcareProfessionalId,
    keyPair: creds.keyPair,
  }
}
