import { MAX_MATCH_IDS, type FilterDto } from '@cairn/protocol'
import type { Caller } from '../../auth/caller.ts'
import { compileFilter } from '../../filters/filter-registry.ts'
import { searchPage } from '../../filters/search-page.ts'
import type { Storage } from '../../storage/storage.ts'
import type { DataOwnerDocKind } from './data-owner-doc-write.ts'

/**
 * Search of a clear directory (healthcare professionals, medical devices). Every signed-in user may
 * search them, as every one may read a record by id: they hold names, specialities and public keys,
 * which sharing needs. Deleted records never match (their index rows are gone).
 */
export class DirectorySearch {
  constructor(
    private readonly storage: Storage,
    readonly kind: DataOwnerDocKind,
  ) {}

  /** One keyset page of the records matching `filter`, the number of matches, and the next page's first id. */
  async filter(
    caller: Caller,
    filter: FilterDto,
    startId: string | undefined,
    limit: number,
  ): Promise<{ rows: string[]; total: number; nextId?: string }> {
    const { query, order } = compileFilter(caller, this.kind, filter)
    const { docs, total } = await searchPage(() =>
      this.storage.findPage(this.kind, undefined, query, startId, limit + 1, order),
    )
    const rows = docs.slice(0, limit).map((d) => d.doc)
    return { rows, total, ...(docs.length > limit ? { nextId: docs[limit].id } : {}) }
  }

  /** Ids of every record matching `filter` (at most MAX_MATCH_IDS). */
  async match(caller: Caller, filter: FilterDto): Promise<string[]> {
    const { query, order } = compileFilter(caller, this.kind, filter)
    return searchPage(() => this.storage.matchIds(this.kind, undefined, query, MAX_MATCH_IDS, order))
  }
}
