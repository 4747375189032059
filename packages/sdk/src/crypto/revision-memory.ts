import type { EntitySeal } from '@cairn/crypto'
import { IntegrityError } from './integrity-error.ts'

/** What is remembered of the newest revision seen of one entity. */
interface SeenRevision {
  seq: number
  tag: string
  creator: string
  commitment: string
}

/**
 * Rollback detection (protocol v2): the newest sealed revision this API instance has seen of each
 * entity. A revision older than it, a different revision with the same number, or another creator or
 * entity key is refused. Kept in memory for the life of the instance (bounded: the oldest entries are
 * forgotten beyond MAX_ENTRIES), so a rollback across a fresh instance is not detected (documented).
 */
export class RevisionMemory {
  /** ~100 bytes per entry: 100,000 entities cost about 10 MB. */
  static readonly MAX_ENTRIES = 100_000
  private readonly seen = new Map<string, SeenRevision>()

  /** Records a verified revision, or throws IntegrityError if it goes back on what was seen. */
  accept(type: string, id: string, seal: EntitySeal): void {
    const k = `${type}:${id}`
    const before = this.seen.get(k)
    if (before) {
      const fail = (reason: string): never => {
        throw new IntegrityError(type, id, reason)
      }
      if (before.creator !== seal.creator || before.commitment !== seal.commitment)
        fail('its creator or entity key changed since this instance last read it')
      if (seal.seq < before.seq)
        fail(`revision ${seal.seq} is older than revision ${before.seq} already seen (rollback)`)
      if (seal.seq === before.seq && seal.tag !== before.tag)
        fail(`two different revisions numbered ${seal.seq} (fork)`)
      if (seal.seq === before.seq) return
      this.seen.delete(k)
    } else if (this.seen.size >= RevisionMemory.MAX_ENTRIES) {
      this.seen.delete(this.seen.keys().next().value!)
    }
    this.seen.set(k, { seq: seal.seq, tag: seal.tag, creator: seal.creator, commitment: seal.commitment })
  }

  /**
   * Throws IntegrityError if the creator or the key commitment of an entity differs from the revision
   * seen before (used where the key is taken without reading the content: modify, share).
   */
  checkKey(type: string, id: string, seal: EntitySeal): void {
    const before = this.seen.get(`${type}:${id}`)
    if (before && (before.creator !== seal.creator || before.commitment !== seal.commitment))
      throw new IntegrityError(type, id, 'its creator or entity key changed since this instance last read it')
  }

  /** Forgets everything (forceReload keeps it: rollback protection outlives cache resets). */
  clear(): void {
    this.seen.clear()
  }
}
