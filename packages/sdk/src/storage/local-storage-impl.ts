import type { StorageFacade } from './storage-facade.ts'
import { MemoryStorage } from './memory-storage.ts'

/**
 * Browser `localStorage` behind the StorageFacade. Where there is none (Node), it keeps items in
 * memory, so keys generated there are lost at exit: Node apps pass their own storage
 * (`withStorage`/`withKeyStorage`) or their key pairs (`SimpleMedTechCryptoStrategies`).
 */
export class LocalStorageImpl implements StorageFacade<string> {
  private readonly fallback = new MemoryStorage()

  private get store(): Storage | undefined {
    return (globalThis as { localStorage?: Storage }).localStorage
  }

  /** Value under `key`, or undefined. */
  async getItem(key: string): Promise<string | undefined> {
    const s = this.store
    return s ? (s.getItem(key) ?? undefined) : this.fallback.getItem(key)
  }

  /** Stores `value` under `key`. */
  async setItem(key: string, value: string): Promise<void> {
    const s = this.store
    if (s) s.setItem(key, value)
    else await this.fallback.setItem(key, value)
  }

  /** Forgets `key`. */
  async removeItem(key: string): Promise<void> {
    const s = this.store
    if (s) s.removeItem(key)
    else await this.fallback.removeItem(key)
  }
}
