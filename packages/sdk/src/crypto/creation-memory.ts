import type { EntitySeal } from '@cairn/crypto'
import type { StorageFacade } from '../storage/storage-facade.ts'
import { IntegrityError } from './integrity-error.ts'

/** Storage entry of an entity the data owner created: its key commitment. */
const entry = (selfId: string, type: string, id: string) => `cairn.created.${selfId}.${type}.${id}`

/**
 * The entities this data owner created, with their key commitment, kept in the app's StorageFacade
 * (protocol v2). A later revision of one of them that names another creator or commits to another key
 * is a substitution: the operator, with any data owner whose key it knows, re-keyed the record and
 * passed it off as shared by someone else. Persisted with the storage: in browsers (localStorage) and
 * with a persistent StorageFacade it survives restarts; with the in-memory default of Node it lasts as
 * long as the process (documented).
 */
export class CreationMemory {
  constructor(
    private readonly selfId: string,
    private readonly storage: StorageFacade<string> | undefined,
  ) {}

  /** Records entities the current data owner created (once the server accepted them). */
  async remember(type: string, items: readonly { id: string; commitment: string }[]): Promise<void> {
    if (!this.storage) return
    for (const it of items) {
      // The first creation wins: nothing overwrites what was recorded for an id.
      const key = entry(this.selfId, type, it.id)
      if ((await this.storage.getItem(key)) === undefined) await this.storage.setItem(key, it.commitment)
    }
  }

  /** Throws IntegrityError if `seal` contradicts what this data owner recorded when it created the entity. */
  async check(type: string, id: string, seal: EntitySeal): Promise<void> {
    if (!this.storage) return
    const commitment = await this.storage.getItem(entry(this.selfId, type, id))
    if (commitment === undefined) return
    if (seal.creator !== this.selfId)
      throw new IntegrityError(
        type,
        id,
        `data owner ${this.selfId} created it, but it now names ${seal.creator} as creator`,
      )
    if (seal.commitment !== commitment)
      throw new IntegrityError(type, id, 'its entity key is not the one it was created with')
  }
}
