import type { DataOwnerDocDto, DeletionDto } from '@cairn/protocol'
import type { Caller } from '../../auth/caller.ts'
import {
  assertCanCreateDataOwner,
  assertCanDeleteDataOwner,
  assertCanModifyDataOwner,
  assertNoKeysAtCreation,
  assertNoUserActsAs,
} from '../../access/access-policy.ts'
import { badRequest, conflict, notFound } from '../../http/app-error.ts'
import type { EventBus } from '../../events/event-bus.ts'
import type { DocWrite, Storage, StoredDoc } from '../../storage/storage.ts'
import { assertResponsibleExists, dataOwnerDocIndexes, newDataOwnerDoc } from './data-owner-doc-write.ts'
import { retryOnRace } from './retry-on-race.ts'
import { nextRev } from './revision.ts'
import { tombstoneWrite } from './tombstone.ts'
import { assertUniqueIds } from './unique-ids.ts'

type Kind = 'healthcareProfessional' | 'medicalDevice'

/**
 * Clear (not encrypted) data-owner documents: healthcare professionals and medical devices. Any
 * authenticated user reads them (their public keys are needed to share with them); access-policy
 * decides who creates, modifies and deletes them. Batches (devices' bulk routes) are one transaction,
 * all or nothing; the single-record routes are batches of one.
 */
export class DataOwnerDocService {
  constructor(
    readonly storage: Storage,
    private readonly events: EventBus,
    readonly kind: Kind,
  ) {}

  /** Emits the write events of committed writes, one per record. */
  private emit(
    kind: 'create' | 'modify' | 'delete',
    caller: Caller,
    written: readonly { id: string; rev: string }[],
    at: number,
  ): void {
    this.events.emit(
      written.map(({ id, rev }) => ({
        kind,
        entityType: this.kind,
        id,
        rev,
        actor: { userId: caller.userId, dataOwnerId: caller.dataOwnerId },
        requestId: caller.requestId,
        delegates: [],
        at,
      })),
    )
  }

  /** Creates one document (see createMany). */
  async create(caller: Caller, doc: DataOwnerDocDto): Promise<string> {
    const [json] = await this.createMany(caller, [doc])
    return json
  }

  /**
   * Creates documents, all or none. A taken id — also one of a data owner of another kind, which
   * storage claims in the same transaction, or of a deleted one — is a 409, so nobody can take over a
   * patient's or professional's id.
   */
  async createMany(caller: Caller, docs: readonly DataOwnerDocDto[]): Promise<string[]> {
    assertCanCreateDataOwner(caller, this.kind)
    assertUniqueIds(docs.map((d) => d.id))
    for (const doc of docs) assertNoKeysAtCreation(this.kind, doc)
    if (caller.isAdmin)
      for (const responsible of new Set(docs.map((d) => d.responsible)))
        await assertResponsibleExists(this.storage, responsible)
    const now = Date.now()
    const made = docs.map((doc) => newDataOwnerDoc(caller, this.kind, doc, now))
    await this.storage.insertDocs(
      this.kind,
      made.map((m) => m.write),
    )
    this.emit(
      'create',
      caller,
      made.map((m) => m.write),
      now,
    )
    return made.map((m) => m.json)
  }

  /** Modifies one document (see modifyMany). */
  async modify(caller: Caller, doc: DataOwnerDocDto): Promise<string> {
    const [json] = await this.modifyMany(caller, [doc])
    return json
  }

  /**
   * Modifies documents with optimistic concurrency, all or none. Checks run in passes over the whole
   * batch: every document carries a rev (400) and exists (404); no rev is stale (409, nothing saved),
   * before the write rules: every authenticated user may read these documents, so a stale rev is
   * answered whatever else is wrong with the request, and the caller re-reads before anything else.
   * Storage re-checks each rev in the UPDATE, so a writer committing in between still yields a 409.
   */
  async modifyMany(caller: Caller, docs: readonly DataOwnerDocDto[]): Promise<string[]> {
    assertUniqueIds(docs.map((d) => d.id))
    const unversioned = docs.find((doc) => !doc.rev)
    if (unversioned) throw badRequest(`${this.kind} ${unversioned.id}: rev is required to modify`)
    const found = this.live(
      await this.storage.getDocs(
        this.kind,
        docs.map((d) => d.id),
      ),
      docs.map((d) => d.id),
    )
    const stale = docs.filter((doc, i) => doc.rev !== found[i].rev)
    if (stale.length > 0) {
      const doc = stale[0]
      // Only the first stale document is named: a batch of a hundred would make an unreadable message.
      const more = stale.length > 1 ? ` (and ${stale.length - 1} more)` : ''
      throw conflict(
        `${this.kind} ${doc.id}: rev ${doc.rev} is stale (current ${found[docs.indexOf(doc)].rev})${more}; nothing was saved`,
      )
    }
    const now = Date.now()
    const writes: DocWrite[] = []
    for (const [i, doc] of docs.entries()) {
      const current = found[i]
      const before = JSON.parse(current.doc) as DataOwnerDocDto
      assertCanModifyDataOwner(caller, this.kind, before, doc)
      // `author` stays as created; `responsible` changes only by an admin (access-policy), to a professional.
      const responsible =
        caller.isAdmin && doc.responsible !== undefined ? doc.responsible : before.responsible
      if (responsible !== before.responsible) await assertResponsibleExists(this.storage, responsible)
      const body = {
        ...doc,
        created: before.created,
        modified: now,
        author: before.author,
        responsible,
        rev: undefined,
      }
      const rev = nextRev(current.rev, JSON.stringify(body))
      writes.push({
        id: doc.id,
        rev,
        expectedRev: current.rev,
        doc: JSON.stringify({ ...body, rev }),
        created: current.created,
        modified: now,
        indexes: dataOwnerDocIndexes(this.kind, body),
      })
    }
    await this.storage.updateDocs(this.kind, writes)
    this.emit('modify', caller, writes, now)
    return writes.map((w) => w.doc)
  }

  /**
   * Deletes documents, all or none; answers each id with the rev of its tombstone. Passes over the
   * whole batch: every id names a live document (404); the caller may delete each (403,
   * access-policy); no live user acts as any of them (409 naming the user, to be deleted first). The
   * tombstone keeps the id taken for good and the public keys readable (GET /dataowner/{id}), so that
   * exchange keys the data owner signed still verify. A write committed in between is answered by
   * reading again (retryOnRace).
   */
  async delete(caller: Caller, ids: readonly string[]): Promise<DeletionDto[]> {
    assertUniqueIds(ids)
    return retryOnRace(async () => {
      const found = this.live(await this.storage.getDocs(this.kind, ids), ids)
      for (const current of found)
        assertCanDeleteDataOwner(caller, this.kind, JSON.parse(current.doc) as DataOwnerDocDto)
      for (const current of found) {
        const users = await this.storage.findUsersByDataOwner(current.id)
        assertNoUserActsAs(
          this.kind,
          current.id,
          users.map((u) => u.id),
        )
      }
      const now = Date.now()
      const writes = found.map((current) => tombstoneWrite(current, now, { keepPublicKeys: true }))
      await this.storage.updateDocs(this.kind, writes)
      this.emit('delete', caller, writes, now)
      return writes.map((w) => ({ id: w.id, rev: w.rev }))
    })
  }

  /** The stored documents of `ids`, in that order; 404 naming the first one absent or deleted. */
  private live(stored: readonly StoredDoc[], ids: readonly string[]): StoredDoc[] {
    const byId = new Map(stored.map((s) => [s.id, s]))
    return ids.map((id) => {
      const current = byId.get(id)
      if (!current || current.deleted) throw notFound(`${this.kind} ${id} does not exist`)
      return current
    })
  }

  /** Stored JSON of the document, or undefined. */
  async find(id: string): Promise<string | undefined> {
    const current = await this.storage.getDoc(this.kind, id)
    return current && !current.deleted ? current.doc : undefined
  }

  /** Stored JSON of the document; 404 if absent. */
  async get(id: string): Promise<string> {
    const doc = await this.find(id)
    if (!doc) throw notFound(`${this.kind} ${id} does not exist`)
    return doc
  }
}
