import type { CodingDto } from '@cairn/protocol'
import { badRequest } from '../../http/app-error.ts'
import type { CodingWord, CodingWrite, StoredCoding } from '../../storage/coding-store.ts'
import { canonicalJson, nextRev } from '../shared/revision.ts'
import { labelWords } from './label-words.ts'

/** What a coding says, without its bookkeeping (rev and dates): what "unchanged" compares. */
export type CodingContent = Omit<CodingDto, 'rev' | 'created' | 'modified'>

/**
 * The content of a coding as the client sent it, checked and tidied: the id must be
 * `type|code|version` (so that one id names one code of one version of one system, as MedTech
 * builds it), regions are kept once each in their order, and empty maps are left out. A 400 names
 * what is wrong.
 */
export function codingContent(dto: CodingDto): CodingContent {
  const expected = `${dto.type}|${dto.code}|${dto.version}`
  if (dto.id !== expected)
    throw badRequest(`Coding id ${dto.id} must be type|code|version of the coding, that is ${expected}`)
  const content: CodingContent = { id: dto.id, type: dto.type, code: dto.code, version: dto.version }
  if (dto.regions && dto.regions.length > 0) content.regions = [...new Set(dto.regions)]
  if (dto.label && Object.keys(dto.label).length > 0) content.label = { ...dto.label }
  if (dto.qualifiedLinks && Object.keys(dto.qualifiedLinks).length > 0)
    content.qualifiedLinks = Object.fromEntries(
      Object.entries(dto.qualifiedLinks).map(([k, ids]) => [k, [...new Set(ids)]]),
    )
  if (dto.searchTerms && Object.keys(dto.searchTerms).length > 0)
    content.searchTerms = Object.fromEntries(
      Object.entries(dto.searchTerms).map(([k, terms]) => [k, [...new Set(terms)]]),
    )
  return content
}

/** The content of a stored coding (its JSON without rev and dates). */
export function storedContent(stored: StoredCoding): CodingContent {
  const {
    rev: _rev,
    created: _created,
    modified: _modified,
    ...content
  } = JSON.parse(stored.doc) as CodingDto
  return content
}

/** Whether two contents say the same, whatever the order of their keys. */
export function sameContent(a: CodingContent, b: CodingContent): boolean {
  return canonicalJson(a) === canonicalJson(b)
}

/**
 * `incoming` merged into `current`, for imports: labels and search terms are replaced language by
 * language (languages `incoming` does not name are kept), regions and links are added to. Nothing is
 * ever removed, so importing several files (one per language, say) adds up, and importing one again
 * changes nothing.
 */
export function mergeContent(current: CodingContent, incoming: CodingContent): CodingContent {
  const merged: CodingContent = { ...current }
  if (incoming.regions) merged.regions = [...new Set([...(current.regions ?? []), ...incoming.regions])]
  if (incoming.label) merged.label = { ...current.label, ...incoming.label }
  if (incoming.searchTerms) merged.searchTerms = { ...current.searchTerms, ...incoming.searchTerms }
  if (incoming.qualifiedLinks) {
    const links: Record<string, string[]> = { ...current.qualifiedLinks }
    for (const [kind, ids] of Object.entries(incoming.qualifiedLinks))
      links[kind] = [...new Set([...(links[kind] ?? []), ...ids])]
    merged.qualifiedLinks = links
  }
  return merged
}

/** The index words of a coding: each distinct word of its label, per language. */
export function codingWords(content: CodingContent): CodingWord[] {
  return Object.entries(content.label ?? {}).flatMap(([language, text]) =>
    labelWords(text).map((word) => ({ language, word })),
  )
}

/**
 * The stored JSON and the write of a coding's content: `created` is kept from the current row (now
 * for a new coding), `modified` is now, and the rev follows the current one.
 */
export function codingWrite(
  content: CodingContent,
  now: number,
  current?: StoredCoding,
): { json: string; write: CodingWrite } {
  const created = current?.created ?? now
  const body = { ...content, created, modified: now }
  const rev = nextRev(current?.rev, JSON.stringify(body))
  const json = JSON.stringify({ ...body, rev })
  return {
    json,
    write: {
      id: content.id,
      rev,
      ...(current ? { expectedRev: current.rev } : {}),
      doc: json,
      type: content.type,
      code: content.code,
      version: content.version,
      created,
      modified: now,
      regions: content.regions ?? [],
      words: codingWords(content),
    },
  }
}
