import { Worker } from 'node:worker_threads'
import type { AuditConnection } from '../storage/audit-connection.ts'
import type { AuditChainPoint, AuditRecord } from '../storage/audit-store.ts'
import type { AppendAnswer, AppendRequest } from './audit-writer-worker.ts'

/**
 * The worker's module: the `.ts` source when this file runs from source (tests, `npm start` through
 * tsx), the compiled `.js` next to it in dist/.
 */
const FROM_SOURCE = import.meta.url.endsWith('.ts')
const WORKER_URL = new URL(`./audit-writer-worker.${FROM_SOURCE ? 'ts' : 'js'}`, import.meta.url)

/**
 * The worker to start. From the compiled package: the `.js` module itself. From source (tests, tools
 * run through tsx): a small bootstrap that first registers tsx's TypeScript loader in the worker
 * (flags such as `--import tsx` are not applied to worker threads), then imports the `.ts` module.
 */
function startWorker(workerData: AuditConnection): Worker {
  if (!FROM_SOURCE) return new Worker(WORKER_URL, { workerData })
  const tsx = import.meta.resolve('tsx/esm/api')
  const bootstrap = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_URL.href)}) })`
  return new Worker(bootstrap, { eval: true, workerData })
}

/** How long close() lets the worker finish its batch and close its connection before ending it (ms). */
const CLOSE_GRACE_MS = 5000

/**
 * The access log's appends on a thread of their own (audit-writer-worker.ts), with a connection of
 * their own (AuditConnection): the request path only queues entries (AuditLog.record) and this moves
 * each batch to the worker in one message, so the hashing and the indexed inserts do not take the
 * event loop's time. `append` has the contract of AuditStore.append: one transaction per batch, the
 * new head on success, nothing written on failure (AuditLog retries). A worker that dies is replaced
 * at the next append; its pending batch fails (and is retried), never lost.
 */
export class AuditWriterThread {
  #worker?: Worker
  readonly #pending = new Map<number, { resolve: (p: AuditChainPoint) => void; reject: (e: Error) => void }>()
  #nextId = 0
  #closed = false

  constructor(private readonly connection: AuditConnection) {}

  /** Appends one batch on the worker; resolves with the chain's new head. */
  append(entries: readonly AuditRecord[]): Promise<AuditChainPoint> {
    if (this.#closed) return Promise.reject(new Error('the access log writer is closed'))
    const worker = (this.#worker ??= this.#spawn())
    const id = ++this.#nextId
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject })
      worker.postMessage({ id, entries } satisfies AppendRequest)
    })
  }

  /** Lets the worker finish and close its connection (within a grace period), then stops it. */
  async close(): Promise<void> {
    this.#closed = true
    const worker = this.#worker
    this.#worker = undefined
    if (!worker) return
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()))
    worker.postMessage({ close: true })
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), CLOSE_GRACE_MS)))
    if ((await Promise.race([exited, late])) === 'late') await worker.terminate()
    clearTimeout(timer)
    this.#failAll(new Error('the access log writer was closed'))
  }

  #spawn(): Worker {
    const worker = startWorker(this.connection)
    worker.on('message', (answer: AppendAnswer) => {
      const pending = this.#pending.get(answer.id)
      if (!pending) return
      this.#pending.delete(answer.id)
      if (answer.head) pending.resolve(answer.head)
      else
        pending.reject(
          Object.assign(new Error(answer.error?.message ?? 'access log write failed'), {
            code: answer.error?.code,
          }),
        )
    })
    worker.on('error', (error) => this.#failAll(error))
    worker.on('exit', (code) => {
      if (this.#worker === worker) this.#worker = undefined
      this.#failAll(new Error(`the access log writer thread stopped (exit code ${code})`))
    })
    return worker
  }

  /** Fails every batch still waiting for an answer (AuditLog keeps and retries their entries). */
  #failAll(error: Error): void {
    for (const { reject } of this.#pending.values()) reject(error)
    this.#pending.clear()
  }
}
