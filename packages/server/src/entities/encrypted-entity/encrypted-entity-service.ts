import { MAX_MATCH_IDS, type EncryptedEntityDto, type EntityType, type FilterDto } from '@cairn/protocol'
import type { Caller } from '../../auth/caller.ts'
import {
  accessorsOf,
  assertCanCreateEntity,
  assertCanModifyEntity,
  assertCanReadEntity,
  assertCanReadEntityById,
  entityNotFound,
  requireDataOwner,
} from '../../access/access-policy.ts'
import type { EventBus } from '../../events/event-bus.ts'
import type { AuditSink } from '../../audit/audit-log.ts'
import { recordReads } from '../../audit/audit-sources.ts'
import type { WriteEvent } from '../../events/write-event.ts'
import { compileFilter } from '../../filters/filter-registry.ts'
import { searchPage } from '../../filters/search-page.ts'
import { badRequest, conflict } from '../../http/app-error.ts'
import type { DocWrite, Storage, StoredDoc } from '../../storage/storage.ts'
import { canonicalJson, nextRev } from '../shared/revision.ts'
import { assertHealthcareElementLinks } from './healthcare-element-links.ts'
import { indexValues } from './index-values.ts'

/** A page of stored JSON documents, the number of matches in all, and the id the next page starts at. */
export interface EntityPage {
  rows: string[]
  total: number
  nextId?: string
}

/**
 * Server-maintained fields: never taken from the client on modify. `deletionDate` is set by a
 * deletion only (a soft-deleted notification keeps it through later modifications; docs/protocol.md
 * leaves it out of the seal for that reason).
 */
const SERVER_FIELDS = ['rev', 'created', 'modified', 'author', 'responsible', 'deletionDate'] as const

/**
 * Rules common to every encrypted entity type (one instance per entity descriptor): create,
 * modify/share with optimistic concurrency, read, and filters through the filter registry. The server
 * never looks inside `encryptedSelf`; it checks access through access-policy, keeps the indexes, and
 * emits one write event per entity once the write committed.
 */
export class EncryptedEntityService {
  constructor(
    private readonly storage: Storage,
    private readonly events: EventBus,
    readonly type: EntityType,
    /** Where reads are recorded, one entry per record returned (absent: the access log is off). */
    private readonly audit?: AuditSink,
  ) {}

  /** Creates entities (all or nothing); returns the stored JSON documents. */
  async create(caller: Caller, docs: EncryptedEntityDto[]): Promise<string[]> {
    assertUniqueIds(docs)
    const now = Date.now()
    const writes = docs.map((doc) => {
      assertCanCreateEntity(caller, this.type, doc)
      // Only a deletion sets deletionDate: a new entity is never born deleted.
      const { rev: _ignored, deletionDate: _deletion, ...rest } = doc
      const stored = {
        ...rest,
        created: typeof doc.created === 'number' ? doc.created : now,
        modified: now,
        author: caller.userId,
        responsible: caller.dataOwnerId,
      }
      return this.write(stored, undefined, now)
    })
    if (this.type === 'dataSample')
      await assertHealthcareElementLinks(
        this.storage,
        caller,
        docs.map((doc) => ({ doc })),
      )
    await this.storage.insertDocs(this.type, writes)
    this.events.emit(writes.map((w) => this.event('create', caller, w, now, w.indexes.access ?? [])))
    return writes.map((w) => w.doc)
  }

  /**
   * Modifies or shares entities (all or nothing). Each must carry the rev it was read at: a stale rev
   * is a 409 and nothing is written. A document identical to the stored one is not written again.
   *
   * Checks run in passes over the whole batch, so that the answer does not depend on the order of
   * the documents: (1) every document that carries a rev exists and the caller may read it (404
   * either way, the same answer: a caller who cannot read an entity learns nothing about it, not even
   * that it exists or whether its rev is current); (2) no rev is stale (409), whatever else is wrong with the request, because the
   * caller's first move after a 409 is to re-read, and the write rules apply to the document it will
   * then send; (3) every document carries a rev (400; a document without one cannot be stale);
   * (4) the write rules (delegation changes, patient keys). Storage re-checks each rev in the
   * UPDATE, so a writer committing between our read and our write still yields a 409.
   */
  async modify(caller: Caller, docs: EncryptedEntityDto[]): Promise<string[]> {
    // Who may not own data is told so before anything is looked up (the answer depends on no entity).
    requireDataOwner(caller)
    assertUniqueIds(docs)
    const stored = new Map(
      (
        await this.storage.getDocs(
          this.type,
          docs.map((d) => d.id),
        )
      ).map((s) => [s.id, s]),
    )
    const withRev = docs.filter((doc) => doc.rev)
    const checked = withRev.map((doc) => {
      const current = stored.get(doc.id)
      if (!current || current.deleted) throw entityNotFound(this.type, doc.id)
      const before = JSON.parse(current.doc) as EncryptedEntityDto
      assertCanReadEntity(caller, this.type, before)
      return { doc, current, before }
    })
    const stale = checked.filter(({ doc, current }) => doc.rev !== current.rev)
    if (stale.length > 0) {
      const { doc, current } = stale[0]
      // Only the first stale document is named: a batch of a thousand would make an unreadable message.
      const more = stale.length > 1 ? ` (and ${stale.length - 1} more)` : ''
      throw conflict(
        `${this.type} ${doc.id}: rev ${doc.rev} is stale (current ${current.rev})${more}; nothing was saved`,
      )
    }
    const now = Date.now()
    const results: string[] = []
    const writes: DocWrite[] = []
    const kinds = new Map<string, { kind: 'modify' | 'share'; added: string[] }>()
    const missing = docs.find((doc) => !doc.rev)
    if (missing)
      throw badRequest(`${this.type} ${missing.id}: rev is required to modify (create without rev)`)
    for (const { doc, current, before } of checked) {
      assertCanModifyEntity(caller, this.type, before, doc)
      const next: Record<string, unknown> = { ...doc }
      for (const f of SERVER_FIELDS) next[f] = before[f]
      if (canonicalJson(next) === canonicalJson(before)) {
        results.push(current.doc)
        continue
      }
      next.modified = now
      const w = this.write(next, current, now)
      const had = new Set(accessorsOf(before))
      const gained = (w.indexes.access ?? []).filter((d) => !had.has(d))
      const shared = sharedWith(next, before)
      kinds.set(w.id, shared ? { kind: 'share', added: shared } : { kind: 'modify', added: gained })
      writes.push(w)
      results.push(w.doc)
    }
    if (this.type === 'dataSample') await assertHealthcareElementLinks(this.storage, caller, checked)
    if (writes.length > 0) {
      await this.storage.updateDocs(this.type, writes)
      this.events.emit(
        writes.map((w) => {
          const { kind, added } = kinds.get(w.id)!
          return this.event(kind, caller, w, now, added)
        }),
      )
    }
    return results
  }

  /**
   * Returns the stored JSON of an entity the caller may read; the same 404 when it is absent and when
   * the caller may not read it (no existence oracle); 403 to a user that is no data owner, whatever
   * the id.
   */
  async get(caller: Caller, id: string): Promise<string> {
    const me = requireDataOwner(caller)
    // The access index says whether the caller is a delegate: no need to parse the document.
    const found = await this.storage.getDocFor(this.type, id, me)
    if (!found || found.doc.deleted) throw entityNotFound(this.type, id)
    assertCanReadEntityById(caller, this.type, id, found.isDelegate)
    recordReads(this.audit, caller, this.type, [id])
    return found.doc.doc
  }

  /**
   * One keyset page of the entities matching `filter` among those the caller may read, with the
   * number of matches in all. The filter registry compiles the filter (refusing one that names another
   * data owner); storage answers it from the index tables.
   */
  async filter(
    caller: Caller,
    filter: FilterDto,
    startId: string | undefined,
    limit: number,
  ): Promise<EntityPage> {
    const { dataOwnerId, query, order } = compileFilter(caller, this.type, filter)
    const { docs, total } = await searchPage(() =>
      this.storage.findPage(this.type, dataOwnerId, query, startId, limit + 1, order),
    )
    const result = page(docs, limit)
    // Every record of the page was read; ids only, never the filter's values.
    recordReads(
      this.audit,
      caller,
      this.type,
      docs.slice(0, limit).map((d) => d.id),
    )
    return { ...result, total }
  }

  /** Ids of every entity matching `filter` among those the caller may read (at most MAX_MATCH_IDS). */
  async match(caller: Caller, filter: FilterDto): Promise<string[]> {
    const { dataOwnerId, query, order } = compileFilter(caller, this.type, filter)
    return searchPage(() => this.storage.matchIds(this.type, dataOwnerId, query, MAX_MATCH_IDS, order))
  }

  /** The write event of one committed write. */
  private event(
    kind: 'create' | 'modify' | 'share',
    caller: Caller,
    w: DocWrite,
    at: number,
    added: readonly string[],
  ): WriteEvent {
    return {
      kind,
      entityType: this.type,
      id: w.id,
      rev: w.rev,
      actor: { userId: caller.userId, dataOwnerId: caller.dataOwnerId },
      requestId: caller.requestId,
      delegates: w.indexes.access ?? [],
      ...(added.length > 0 ? { added } : {}),
      at,
    }
  }

  private write(
    doc: EncryptedEntityDto | Record<string, unknown>,
    current: StoredDoc | undefined,
    now: number,
  ): DocWrite {
    const d = doc as EncryptedEntityDto
    // Serialised once: the rev hashes the document without its rev, and the stored text is that same
    // text with the rev appended (the document is an object with an id, so never "{}").
    const { rev: _previous, ...body } = d
    const text = JSON.stringify(body)
    const rev = nextRev(current?.rev, text)
    const json = `${text.slice(0, -1)},"rev":${JSON.stringify(rev)}}`
    return {
      id: d.id,
      rev,
      expectedRev: current?.rev,
      doc: json,
      created: typeof d.created === 'number' ? d.created : now,
      modified: now,
      indexes: indexValues(this.type, d),
    }
  }
}

/** The delegation maps a share may extend (keyed by delegate data owner id). */
const DELEGATION_MAPS = ['delegations', 'encryptionKeys', 'cryptedForeignKeys'] as const

/**
 * The data owners a write shares the document with, when it is a share; undefined when it is a
 * modification. A share changes nothing but the delegation maps and the seal's proofs, and only adds
 * to them: new delegates, new entries for a delegate (a patient who had a delegation to herself
 * since her first login and now receives the entity key from her doctor), proofs for the new
 * delegates. Anything removed or changed, including the ciphertext, makes it a modification.
 */
export function sharedWith(
  next: Record<string, unknown>,
  before: Record<string, unknown>,
): string[] | undefined {
  const metaOf = (doc: Record<string, unknown>) => (doc as EncryptedEntityDto).systemMetaData
  const a = metaOf(next)
  const b = metaOf(before)
  const rest = (doc: Record<string, unknown>) => {
    const {
      delegations: _d,
      encryptionKeys: _e,
      cryptedForeignKeys: _c,
      encryptedSelf: _s,
      seal,
      ...kept
    } = metaOf(doc)
    const sealBut = seal ? { ...seal, proofs: undefined } : undefined
    return canonicalJson({ ...doc, modified: undefined, systemMetaData: { ...kept, seal: sealBut } })
  }
  // The ciphertext, by far the largest field, is compared as a string rather than canonicalised.
  if (a.encryptedSelf !== b.encryptedSelf || rest(next) !== rest(before)) return undefined
  if (!grows(b.seal?.proofs ?? {}, a.seal?.proofs ?? {}, (x, y) => x === y)) return undefined
  const added = new Set<string>()
  for (const field of DELEGATION_MAPS) {
    const after = a[field] ?? {}
    const prior = b[field] ?? {}
    for (const [owner, entries] of Object.entries(prior)) {
      const now = after[owner]
      if (!now) return undefined
      const kept = new Set(now.map((e) => canonicalJson(e)))
      if (!entries.every((e) => kept.has(canonicalJson(e)))) return undefined
      if (now.length > entries.length) added.add(owner)
    }
    for (const owner of Object.keys(after)) if (!(owner in prior)) added.add(owner)
  }
  return added.size > 0 ? [...added] : undefined
}

/** Whether `after` keeps every entry of `before` unchanged (it may add entries). */
function grows<T>(
  before: Record<string, T>,
  after: Record<string, T>,
  same: (x: T, y: T) => boolean,
): boolean {
  return Object.entries(before).every(([k, v]) => k in after && same(after[k], v))
}

function assertUniqueIds(docs: { id: string }[]): void {
  const seen = new Set<string>()
  for (const d of docs) {
    if (seen.has(d.id)) throw badRequest(`Duplicate id ${d.id} in the batch`)
    seen.add(d.id)
  }
}

/** Cuts a limit+1 fetch into a page and the id of the first document of the next page. */
function page(docs: StoredDoc[], limit: number): { rows: string[]; nextId?: string } {
  const rows = docs.slice(0, limit).map((d) => d.doc)
  return docs.length > limit ? { rows, nextId: docs[limit].id } : { rows }
}
