import {
  MAX_CODING_MATCH_IDS,
  type CodingDto,
  type CodingFilterDto,
  type CodingImportResultDto,
} from '@cairn/protocol'
import type { Caller } from '../../auth/caller.ts'
import { assertCanWriteCodings } from '../../access/access-policy.ts'
import type { EventBus } from '../../events/event-bus.ts'
import { badRequest, conflict, notFound } from '../../http/app-error.ts'
import type { CodingWrite, StoredCoding } from '../../storage/coding-store.ts'
import { StorageConflict, type Storage } from '../../storage/storage.ts'
import {
  codingContent,
  codingWrite,
  mergeContent,
  sameContent,
  storedContent,
  type CodingContent,
} from './coding-doc.ts'
import { compileCodingFilter } from './coding-filter.ts'

/** A page of stored JSON codings, the number of matches in all, and the id the next page starts at. */
export interface CodingPageResult {
  rows: string[]
  total: number
  nextId?: string
}

/**
 * Attempts of an import batch that raced with another writer creating the same codings: the second
 * attempt reads them and merges into them.
 */
const IMPORT_ATTEMPTS = 3

/**
 * The rules of codings (docs/codings.md): every signed-in user reads and searches them; admins and
 * healthcare professionals create, modify and import them (access-policy). Codings are clear
 * documents with the id `type|code|version`; a modification carries the rev it read (stale: 409,
 * nothing saved), and one that changes nothing is not written.
 */
export class CodingService {
  constructor(
    private readonly storage: Storage,
    private readonly events: EventBus,
  ) {}

  /** Creates codings, all or none; a taken id is a 409. Returns the stored JSON texts. */
  async create(caller: Caller, dtos: readonly CodingDto[]): Promise<string[]> {
    assertCanWriteCodings(caller)
    const contents = dtos.map(codingContent)
    assertUniqueIds(contents)
    const now = Date.now()
    const written = contents.map((c) => codingWrite(c, now))
    try {
      await this.storage.codings.insert(written.map((w) => w.write))
    } catch (e) {
      if (e instanceof StorageConflict) throw conflict(`Coding ${e.ids.join(', ')} already exists`)
      throw e
    }
    this.emit(
      'create',
      caller,
      written.map((w) => w.write),
      now,
    )
    return written.map((w) => w.json)
  }

  /**
   * Modifies codings at their current revs, all or none: an unknown id is a 404, a stale rev a 409
   * (checked for the whole batch before anything is written). A coding whose content does not change
   * is answered as stored, without a write.
   */
  async modify(caller: Caller, dtos: readonly CodingDto[]): Promise<string[]> {
    assertCanWriteCodings(caller)
    const contents = dtos.map(codingContent)
    assertUniqueIds(contents)
    const current = new Map(
      (await this.storage.codings.getMany(contents.map((c) => c.id))).map((c) => [c.id, c]),
    )
    dtos.forEach((dto) => {
      if (!dto.rev) throw badRequest(`Coding ${dto.id}: rev is required to modify`)
      const stored = current.get(dto.id)
      if (!stored) throw notFound(`Coding ${dto.id} does not exist`)
      if (stored.rev !== dto.rev)
        throw conflict(`Coding ${dto.id}: rev ${dto.rev} is stale (current ${stored.rev}); nothing was saved`)
    })
    const now = Date.now()
    const answers: string[] = []
    const writes: CodingWrite[] = []
    for (const content of contents) {
      const stored = current.get(content.id)!
      if (sameContent(storedContent(stored), content)) {
        answers.push(stored.doc)
        continue
      }
      const { json, write } = codingWrite(content, now, stored)
      writes.push(write)
      answers.push(json)
    }
    try {
      await this.storage.codings.update(writes)
    } catch (e) {
      if (e instanceof StorageConflict)
        throw conflict(
          `Coding ${e.ids.join(', ')} was modified by someone else (stale rev); nothing was saved`,
        )
      throw e
    }
    this.emit('modify', caller, writes, now)
    return answers
  }

  /**
   * Imports codings in one transaction: new ones are created, existing ones get the labels, search
   * terms, regions and links of the import merged in (coding-doc.ts mergeContent), and those already
   * holding all of it are not written. Importing the same codings twice therefore changes nothing the
   * second time. Codings repeated in the batch are merged in order first.
   */
  async import(caller: Caller, dtos: readonly CodingDto[]): Promise<CodingImportResultDto> {
    assertCanWriteCodings(caller)
    const incoming = new Map<string, CodingContent>()
    for (const content of dtos.map(codingContent)) {
      const before = incoming.get(content.id)
      incoming.set(content.id, before ? mergeContent(before, content) : content)
    }
    for (let attempt = 1; ; attempt++) {
      const now = Date.now()
      const result: CodingImportResultDto = { created: [], updated: [], unchanged: [] }
      try {
        const plan = await this.storage.codings.merge([...incoming.keys()], (current) => {
          result.created = []
          result.updated = []
          result.unchanged = []
          const inserts: CodingWrite[] = []
          const updates: CodingWrite[] = []
          for (const [id, content] of incoming) {
            const stored = current.get(id)
            if (!stored) {
              inserts.push(codingWrite(content, now).write)
              result.created.push(id)
              continue
            }
            const before = storedContent(stored)
            const merged = mergeContent(before, content)
            if (sameContent(before, merged)) {
              result.unchanged.push(id)
              continue
            }
            updates.push(codingWrite(merged, now, stored).write)
            result.updated.push(id)
          }
          return { inserts, updates }
        })
        this.emit('create', caller, plan.inserts, now)
        this.emit('modify', caller, plan.updates, now)
        return result
      } catch (e) {
        if (!(e instanceof StorageConflict)) throw e
        if (attempt >= IMPORT_ATTEMPTS)
          throw conflict(
            `Codings were written by someone else during the import; nothing was saved: try again`,
          )
      }
    }
  }

  /** The stored JSON of a coding; 404 if there is none. Any signed-in user reads codings. */
  async get(id: string): Promise<string> {
    const stored: StoredCoding | undefined = await this.storage.codings.get(id)
    if (!stored) throw notFound(`Coding ${id} does not exist`)
    return stored.doc
  }

  /** One keyset page of the codings `filter` selects, from `startId`, and the number of every match. */
  async filter(
    filter: CodingFilterDto,
    startId: string | undefined,
    limit: number,
  ): Promise<CodingPageResult> {
    // One more than asked for: its id is where the next page starts.
    const page = await this.storage.codings.findPage(compileCodingFilter(filter), startId, limit + 1)
    const rows = page.docs.slice(0, limit)
    return {
      rows: rows.map((d) => d.doc),
      total: page.total,
      nextId: page.docs.length > limit ? page.docs[limit].id : undefined,
    }
  }

  /** Ids of every coding `filter` selects, in id order; a 400 beyond MAX_CODING_MATCH_IDS. */
  async match(filter: CodingFilterDto): Promise<string[]> {
    const ids = await this.storage.codings.findIds(compileCodingFilter(filter), MAX_CODING_MATCH_IDS + 1)
    if (ids.length > MAX_CODING_MATCH_IDS)
      throw badRequest(
        `The filter matches more than ${MAX_CODING_MATCH_IDS} codings: page through them with POST /code/filter`,
      )
    return ids
  }

  /** Emits one write event per coding written (after the commit). */
  private emit(kind: 'create' | 'modify', caller: Caller, writes: readonly CodingWrite[], at: number): void {
    if (writes.length === 0) return
    this.events.emit(
      writes.map((w) => ({
        kind,
        entityType: 'coding' as const,
        id: w.id,
        rev: w.rev,
        actor: { userId: caller.userId, dataOwnerId: caller.dataOwnerId },
        requestId: caller.requestId,
        delegates: [],
        at,
      })),
    )
  }
}

/** 400 if an id occurs twice in one batch (its second write would be made from a replaced rev). */
function assertUniqueIds(contents: readonly CodingContent[]): void {
  const seen = new Set<string>()
  for (const { id } of contents) {
    if (seen.has(id)) throw badRequest(`Coding ${id} occurs twice in the batch`)
    seen.add(id)
  }
}
