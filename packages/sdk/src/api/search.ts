import { ROUTES } from '@cairn/protocol'
import { NoOpFilter, type Filter } from '../filter/filter.ts'
import { filterToDto, type SearchableName } from '../mappers/filter-mapper.ts'
import type { ApiContext } from './api-context.ts'
import { pageLimit, type EncryptedEntityStore, type EntityModel } from './encrypted-entity-store.ts'

/** A MedTech PaginatedList class: `new PaginatedListX({pageSize, totalSize, rows, nextKeyPair})`. */
type ListClass<M, L> = new (json: {
  pageSize: number
  totalSize: number
  rows: M[]
  nextKeyPair?: { startKeyDocId?: string }
}) => L

/**
 * MedTech `filterX` over an encrypted entity type: a top-level NoOpFilter answers an empty list without
 * a request (and without `nextKeyPair`, as MedTech); otherwise one page, decrypted, whose
 * `nextKeyPair.startKeyDocId` starts the next one (undefined on the last page) and whose `totalSize`
 * counts every match.
 */
export async function filterEntities<M extends EntityModel, L>(
  store: EncryptedEntityStore<M>,
  name: SearchableName,
  List: ListClass<M, L>,
  filter: Filter<unknown>,
  startId: string | undefined,
  limit: number | undefined,
): Promise<L> {
  if (NoOpFilter.isNoOp(filter)) return new List({ pageSize: 0, totalSize: 0, rows: [] })
  const page = await store.page(filterToDto(filter, name), startId, limit)
  return new List({
    pageSize: page.rows.length,
    totalSize: page.totalSize,
    rows: page.rows,
    nextKeyPair: { startKeyDocId: page.nextId },
  })
}

/** MedTech `matchX` over an encrypted entity type (NoOp: `[]` without a request). */
export async function matchEntities<M extends EntityModel>(
  store: EncryptedEntityStore<M>,
  name: SearchableName,
  filter: Filter<unknown>,
): Promise<string[]> {
  if (NoOpFilter.isNoOp(filter)) return []
  return store.match(filterToDto(filter, name))
}

/** The directories searched in clear (every signed-in user may). */
type Directory = 'healthcareProfessional' | 'medicalDevice'
const DIRECTORY_NAMES: Record<Directory, SearchableName> = {
  healthcareProfessional: 'HealthcareProfessional',
  medicalDevice: 'MedicalDevice',
}

/** MedTech `filterX` over a clear directory (professionals, devices); rows built with `Model`. */
export async function filterDirectory<M, L>(
  ctx: ApiContext,
  directory: Directory,
  Model: new (json: Record<string, unknown>) => M,
  List: ListClass<M, L>,
  filter: Filter<unknown>,
  startId: string | undefined,
  limit: number | undefined,
): Promise<L> {
  if (NoOpFilter.isNoOp(filter)) return new List({ pageSize: 0, totalSize: 0, rows: [] })
  const page = await ctx.http.call(ROUTES[directory].filter, {
    body: { filter: filterToDto(filter, DIRECTORY_NAMES[directory]) },
    query: { limit: pageLimit(limit), startDocumentId: startId },
  })
  return new List({
    pageSize: page.rows.length,
    totalSize: page.totalSize,
    rows: page.rows.map((row) => new Model(row)),
    nextKeyPair: { startKeyDocId: page.nextKeyPair.startKeyDocId },
  })
}

/** MedTech `matchX` over a clear directory (NoOp: `[]` without a request). */
export async function matchDirectory(
  ctx: ApiContext,
  directory: Directory,
  filter: Filter<unknown>,
): Promise<string[]> {
  if (NoOpFilter.isNoOp(filter)) return []
  return ctx.http.call(ROUTES[directory].match, {
    body: { filter: filterToDto(filter, DIRECTORY_NAMES[directory]) },
  })
}
