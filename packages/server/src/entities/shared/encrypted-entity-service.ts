import type { EncryptedEntityDto, EntityType, FilterDto } from '@cairn/protocol'
import type { Caller } from '../../auth/caller.ts'
import {
  accessorsOf,
  assertCanCreateEntity,
  assertCanModifyEntity,
  assertCanQueryAs,
  assertCanReadEntity,
} from '../../access/access-policy.ts'
import { badRequest, conflict, notFound } from '../../http/app-error.ts'
import type { DocTable, DocWrite, Storage, StoredDoc } from '../../storage/storage.ts'
import { canonicalJson, nextRev } from './revision.ts'

/** A page of stored JSON documents and the id the next page starts at. */
export interface DocPage {
  rows: string[]
  nextId?: string
}

/** Server-maintained fields: never taken from the client on modify. */
const SERVER_FIELDS = ['rev', 'created', 'modified', 'author', 'responsible'] as const

/**
 * Rules common to every encrypted entity type (patient, data sample, healthcare element): create,
 * modify/share with optimistic concurrency, read, and the "for patient" filter. The server never
 * looks inside `encryptedSelf`; it checks access through access-policy and keeps the indexes.
 */
export class EncryptedEntityService {
  constructor(
    private readonly storage: Storage,
    readonly type: EntityType,
    private readonly table: DocTable,
  ) {}

  /** Creates entities (all or nothing); returns the stored JSON documents. */
  async create(caller: Caller, docs: EncryptedEntityDto[]): Promise<string[]> {
    assertUniqueIds(docs)
    const now = Date.now()
    const writes = docs.map((doc) => {
      assertCanCreateEntity(caller, this.type, doc)
      const { rev: _ignored, ...rest } = doc
      const stored = {
        ...rest,
        created: typeof doc.created === 'number' ? doc.created : now,
        modified: now,
        author: caller.userId,
        responsible: caller.dataOwnerId,
      }
      return this.write(stored, undefined, now)
    })
    await this.storage.insertDocs(this.table, writes)
    return writes.map((w) => w.doc)
  }

  /**
   * Modifies or shares entities (all or nothing). Each must carry the rev it was read at: a stale rev
   * is a 409 and nothing is written. A document identical to the stored one is not written again.
   */
  async modify(caller: Caller, docs: EncryptedEntityDto[]): Promise<string[]> {
    assertUniqueIds(docs)
    const stored = new Map(
      (
        await this.storage.getDocs(
          this.table,
          docs.map((d) => d.id),
        )
      ).map((s) => [s.id, s]),
    )
    const now = Date.now()
    const results: string[] = []
    const writes: DocWrite[] = []
    for (const doc of docs) {
      if (!doc.rev) throw badRequest(`${this.type} ${doc.id}: rev is required to modify (create without rev)`)
      const current = stored.get(doc.id)
      if (!current || current.deleted) throw notFound(`${this.type} ${doc.id} does not exist`)
      const before = JSON.parse(current.doc) as EncryptedEntityDto
      assertCanModifyEntity(caller, this.type, before, doc)
      if (doc.rev !== current.rev) {
        throw conflict(
          `${this.type} ${doc.id}: rev ${doc.rev} is stale (current ${current.rev}); nothing was saved`,
        )
      }
      const next: Record<string, unknown> = { ...doc }
      for (const f of SERVER_FIELDS) next[f] = before[f]
      if (canonicalJson(next) === canonicalJson(before)) {
        results.push(current.doc)
        continue
      }
      next.modified = now
      const w = this.write(next as EncryptedEntityDto, current, now)
      writes.push(w)
      results.push(w.doc)
    }
    if (writes.length > 0) await this.storage.updateDocs(this.table, writes)
    return results
  }

  /** Returns the stored JSON of an entity the caller may read; 404 if absent, 403 without access. */
  async get(caller: Caller, id: string): Promise<string> {
    const current = await this.storage.getDoc(this.table, id)
    if (!current || current.deleted) throw notFound(`${this.type} ${id} does not exist`)
    assertCanReadEntity(caller, this.type, JSON.parse(current.doc) as EncryptedEntityDto)
    return current.doc
  }

  /** Keyset page of the entities shared with the caller that belong to one of the given patient secret ids. */
  async filterByPatient(
    caller: Caller,
    filter: FilterDto,
    startId: string | undefined,
    limit: number,
  ): Promise<DocPage> {
    const me = assertCanQueryAs(caller, filter.healthcarePartyId)
    if (filter.patientSecretForeignKeys.length === 0) return { rows: [] }
    const docs = await this.storage.findBySecretForeignKeys(
      this.table,
      me,
      filter.patientSecretForeignKeys,
      startId,
      limit + 1,
    )
    return page(docs, limit)
  }

  private write(
    doc: EncryptedEntityDto | Record<string, unknown>,
    current: StoredDoc | undefined,
    now: number,
  ): DocWrite {
    const d = doc as EncryptedEntityDto
    const body = { ...d, rev: undefined }
    const rev = nextRev(current?.rev, JSON.stringify(body))
    const json = JSON.stringify({ ...d, rev })
    return {
      id: d.id,
      rev,
      expectedRev: current?.rev,
      doc: json,
      created: typeof d.created === 'number' ? d.created : now,
      modified: now,
      indexes: { accessors: accessorsOf(d), secretForeignKeys: d.systemMetaData.secretForeignKeys },
    }
  }
}

function assertUniqueIds(docs: { id: string }[]): void {
  const seen = new Set<string>()
  for (const d of docs) {
    if (seen.has(d.id)) throw badRequest(`Duplicate id ${d.id} in the batch`)
    seen.add(d.id)
  }
}

/** Cuts a limit+1 fetch into a page and the id of the first document of the next page. */
export function page(docs: StoredDoc[], limit: number): DocPage {
  const rows = docs.slice(0, limit).map((d) => d.doc)
  return docs.length > limit ? { rows, nextId: docs[limit].id } : { rows }
}
