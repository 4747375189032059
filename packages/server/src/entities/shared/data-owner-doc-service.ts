import type { DataOwnerDocDto } from '@cairn/protocol'
import type { Caller } from '../../auth/caller.ts'
import {
  assertCanCreateDataOwner,
  assertCanModifyDataOwner,
  assertNoKeysAtCreation,
} from '../../access/access-policy.ts'
import { badRequest, conflict, notFound } from '../../http/app-error.ts'
import type { EventBus } from '../../events/event-bus.ts'
import type { Storage } from '../../storage/storage.ts'
import { assertResponsibleExists, newDataOwnerDoc } from './data-owner-doc-write.ts'
import { nextRev } from './revision.ts'

type Kind = 'healthcareProfessional' | 'medicalDevice'

/**
 * Clear (not encrypted) data-owner documents: healthcare professionals and medical devices. Any
 * authenticated user reads them (their public keys are needed to share with them); access-policy
 * decides who creates and modifies them.
 */
export class DataOwnerDocService {
  constructor(
    private readonly storage: Storage,
    private readonly events: EventBus,
    readonly kind: Kind,
  ) {}

  /** Emits the write event of a committed create or modify. */
  private emit(kind: 'create' | 'modify', caller: Caller, id: string, rev: string, at: number): void {
    this.events.emit([
      {
        kind,
        entityType: this.kind,
        id,
        rev,
        actor: { userId: caller.userId, dataOwnerId: caller.dataOwnerId },
        requestId: caller.requestId,
        delegates: [],
        at,
      },
    ])
  }

  /**
   * Creates the document. A taken id — also one of a data owner of another kind, which storage claims
   * in the same transaction — is a 409, so nobody can take over a patient's or professional's id.
   */
  async create(caller: Caller, doc: DataOwnerDocDto): Promise<string> {
    assertCanCreateDataOwner(caller, this.kind)
    assertNoKeysAtCreation(this.kind, doc)
    if (caller.isAdmin) await assertResponsibleExists(this.storage, doc.responsible)
    const now = Date.now()
    const { json, write } = newDataOwnerDoc(caller, doc, now)
    await this.storage.insertDocs(this.kind, [write])
    this.emit('create', caller, doc.id, write.rev, now)
    return json
  }

  /**
   * Modifies the document with optimistic concurrency. The rev is compared before the write rules:
   * every authenticated user may read these documents, so a stale rev is a 409 (nothing saved)
   * whatever else is wrong with the request, and the caller re-reads before anything else. Storage
   * re-checks the rev in the UPDATE, so a writer committing in between still yields a 409.
   */
  async modify(caller: Caller, doc: DataOwnerDocDto): Promise<string> {
    if (!doc.rev) throw badRequest(`${this.kind} ${doc.id}: rev is required to modify`)
    const current = await this.storage.getDoc(this.kind, doc.id)
    if (!current || current.deleted) throw notFound(`${this.kind} ${doc.id} does not exist`)
    if (doc.rev !== current.rev)
      throw conflict(
        `${this.kind} ${doc.id}: rev ${doc.rev} is stale (current ${current.rev}); nothing was saved`,
      )
    const before = JSON.parse(current.doc) as DataOwnerDocDto
    assertCanModifyDataOwner(caller, this.kind, before, doc)
    // `author` stays as created; `responsible` changes only by an admin (access-policy), to a professional.
    const responsible = caller.isAdmin && doc.responsible !== undefined ? doc.responsible : before.responsible
    if (responsible !== before.responsible) await assertResponsibleExists(this.storage, responsible)
    const now = Date.now()
    const body = {
      ...doc,
      created: before.created,
      modified: now,
      author: before.author,
      responsible,
      rev: undefined,
    }
    const rev = nextRev(current.rev, JSON.stringify(body))
    const json = JSON.stringify({ ...body, rev })
    await this.storage.updateDocs(this.kind, [
      {
        id: doc.id,
        rev,
        expectedRev: current.rev,
        doc: json,
        created: current.created,
        modified: now,
        indexes: {},
      },
    ])
    this.emit('modify', caller, doc.id, rev, now)
    return json
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
