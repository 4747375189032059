import {
  DEFAULT_BODY_LIMIT,
  MAX_CODING_BATCH_SIZE,
  ROUTES,
  type CodingDto,
  type CodingImportResultDto,
} from '@cairn/protocol'
import { Coding, PaginatedListCoding } from '../models/index.ts'
import { NoOpFilter, type Filter } from '../filter/filter.ts'
import { SdkError } from '../http/sdk-error.ts'
import { CODING_ID_PATTERN, codingFromDto, codingToDto } from '../mappers/coding-mapper.ts'
import { codingFilterToDto } from '../mappers/coding-filter-mapper.ts'
import type { ApiContext } from './api-context.ts'
import { splitIntoBatches, utf8Length } from './request-batches.ts'

/** What `importCodings` did, by coding id (a Cairn extension). */
export type CodingImportResult = CodingImportResultDto

/**
 * MedTech `CodingApi`: codes of codification systems (SNOMED CT, LOINC, ...), stored in clear and
 * shared by every user of the server. Every signed-in user reads and searches them; admins and
 * healthcare professionals create and modify them (others get `403 - `).
 */
export class CodingApi {
  constructor(private readonly ctx: ApiContext) {}

  /** Creates (no rev) or modifies (rev; stale: 409) one coding. */
  async createOrModifyCoding(coding: Coding): Promise<Coding> {
    const [saved] = await this.createOrModifyCodings([coding])
    if (!saved) throw new SdkError('INTERNAL', "Couldn't create or update coding")
    return saved
  }

  /**
   * Creates the codings without a rev and modifies those with one (their id must have the form
   * `type|code|version`, MedTech's check); returns the created ones, then the modified ones. A coding
   * is sent with its id, or `type|code|version` when it has none of that form. Each kind goes in as few
   * requests as the server's batch limits allow, each request all or nothing.
   */
  async createOrModifyCodings(codings: Coding[]): Promise<Coding[]> {
    const models = codings.map((c) => (c instanceof Coding ? c : new Coding(c)))
    if (models.some((c) => c.rev && !(c.id !== undefined && CODING_ID_PATTERN.test(c.id))))
      throw new SdkError(
        'BAD_REQUEST',
        'Update id should be provided as an String of format: type|code|version',
      )
    const created = await this.send(
      ROUTES.coding.createBatch,
      models.filter((c) => !c.rev),
    )
    const updated = await this.send(
      ROUTES.coding.modifyBatch,
      models.filter((c) => c.rev),
    )
    return [...created, ...updated]
  }

  /** A coding by id (`type|code|version`). */
  async getCoding(codingId: string): Promise<Coding> {
    return codingFromDto(await this.ctx.http.call(ROUTES.coding.get, { params: { id: codingId } }))
  }

  /**
   * One page of the codings matching `filter`, in id order, from `nextCodingId`
   * (`page.nextKeyPair.startKeyDocId` of the previous page); `totalSize` counts every match. A
   * NoOpFilter answers an empty page without any request.
   */
  async filterCoding(
    filter: Filter<Coding>,
    nextCodingId?: string,
    limit?: number,
  ): Promise<PaginatedListCoding> {
    if (NoOpFilter.isNoOp(filter)) return new PaginatedListCoding({ pageSize: 0, totalSize: 0, rows: [] })
    const page = await this.ctx.http.call(ROUTES.coding.filter, {
      body: { filter: codingFilterToDto(filter) },
      query: { startDocumentId: nextCodingId, limit },
    })
    return new PaginatedListCoding({ ...page, rows: page.rows.map(codingFromDto) })
  }

  /** Ids of the codings matching `filter`, in id order; `[]` for a NoOpFilter, without a request. */
  async matchCoding(filter: Filter<Coding>): Promise<string[]> {
    if (NoOpFilter.isNoOp(filter)) return []
    return this.ctx.http.call(ROUTES.coding.match, { body: { filter: codingFilterToDto(filter) } })
  }

  /**
   * Cairn extension (used by `cairn codes import`): creates the codings that do not exist and merges
   * the others, without revs: labels and search terms language by language, regions and links added,
   * nothing removed; a coding that already holds all of it is not written. Importing the same codings
   * again therefore changes nothing. Returns the ids created, updated and unchanged.
   */
  async importCodings(codings: Coding[]): Promise<CodingImportResult> {
    const result: CodingImportResult = { created: [], updated: [], unchanged: [] }
    const dtos = codings.map(codingToDto)
    for (const [start, end] of batchesOf(dtos)) {
      const part = await this.ctx.http.call(ROUTES.coding.import, { body: dtos.slice(start, end) })
      result.created.push(...part.created)
      result.updated.push(...part.updated)
      result.unchanged.push(...part.unchanged)
    }
    return result
  }

  /** Sends codings to a batch route in as few requests as the limits allow. */
  private async send(
    route: typeof ROUTES.coding.createBatch | typeof ROUTES.coding.modifyBatch,
    codings: Coding[],
  ): Promise<Coding[]> {
    const dtos = codings.map(codingToDto)
    const saved: Coding[] = []
    for (const [start, end] of batchesOf(dtos)) {
      const answer = await this.ctx.http.call(route, { body: dtos.slice(start, end) })
      saved.push(...answer.map(codingFromDto))
    }
    return saved
  }
}

/** Batches of at most MAX_CODING_BATCH_SIZE codings within the default body limit. */
function batchesOf(dtos: readonly CodingDto[]): [number, number][] {
  return splitIntoBatches(
    dtos.map((d) => utf8Length(JSON.stringify(d))),
    MAX_CODING_BATCH_SIZE,
    DEFAULT_BODY_LIMIT,
    (i) => `Coding ${dtos[i].id}`,
  )
}
