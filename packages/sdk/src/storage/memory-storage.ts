import type { StorageFacade } from './storage-facade.ts'

/** In-memory storage: for tests and short-lived processes (nothing survives a restart). */
export class MemoryStorage implements StorageFacade<string> {
  private readonly items = new Map<string, string>()

  /** Value under `key`, or undefined. */
  getItem(key: string): Promise<string | undefined> {
    return Promise.resolve(this.items.get(key))
  }

  /** Stores `value` under `key`. */
  setItem(key: string, value: string): Promise<void> {
    this.items.set(key, value)
    return Promise.resolve()
  }

  /** Forgets `key`. */
  removeItem(key: string): Promise<void> {
    this.items.delete(key)
    return Promise.resolve()
  }
}
