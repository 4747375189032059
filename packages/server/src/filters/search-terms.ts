import { createHash } from 'node:crypto'
import { badRequest } from '../http/app-error.ts'
import { EVERY_DOCUMENT_TERM } from '../storage/index-query.ts'

/**
 * What the server indexes of a document's clear fields for search, and how filters name it. The two
 * sides build terms with the same functions, so a filter can only ask for what indexing wrote. Only
 * fields that are in clear on the wire are read (the server never sees encrypted content); a field of
 * the wrong shape is not indexed (the document is stored as sent, for its readers to judge).
 */

/**
 * Longest term stored as it is (UTF-8 bytes). Clear fields are free-form: a longer value is stored as
 * the SHA-256 of its term, which filters compute the same way, so it stays searchable by equality and
 * every index key stays far below PostgreSQL's btree limit (2,704 bytes).
 */
const MAX_TERM_BYTES = 256

/** A term as stored: itself, or `<kind>:#<sha-256 hex>` when too long (see MAX_TERM_BYTES). */
function bounded(term: string): string {
  if (Buffer.byteLength(term) <= MAX_TERM_BYTES) return term
  const kind = term.slice(0, term.indexOf(':') + 1)
  return `${kind}#${createHash('sha256').update(term).digest('hex')}`
}

/** Term builders: `<kind>:<value>`; a code or label also by its type alone (filters giving only a type). */
export const TERMS = {
  secretId: (sfk: string) => bounded(`sfk:${sfk}`),
  label: (type: string, code?: string) => bounded(code === undefined ? `tag:${type}` : `tag:${type}|${code}`),
  code: (type: string, code?: string) =>
    bounded(code === undefined ? `code:${type}` : `code:${type}|${code}`),
  identifier: (system: string | undefined, value: string | undefined) =>
    bounded(`id:${system ?? ''}|${value ?? ''}`),
  ssin: (ssin: string) => bounded(`ssin:${ssin}`),
  gender: (gender: string) => bounded(`gender:${gender}`),
  education: (education: string) => bounded(`education:${education}`),
  profession: (profession: string) => bounded(`profession:${profession}`),
  healthcareElement: (id: string) => bounded(`he:${id}`),
  status: (status: number) => `status:${status}`,
  notificationType: (type: string) => bounded(`type:${type}`),
} as const

/** Most terms and name suffixes one document may carry: beyond, it is refused (400) rather than half-indexed. */
export const MAX_TERMS_PER_DOCUMENT = 2000
/** Names are indexed on their first 64 normalised characters (longer ones are searched on that prefix). */
export const MAX_NAME_LENGTH = 64

/** Index values of one document: its terms, normalised name suffixes and sort value. */
export interface SearchIndex {
  term: string[]
  name: string[]
  sortValue: number
}

type Json = Record<string, unknown>

const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0
const array = (v: unknown): unknown[] => (Array.isArray(v) ? v : [])
const objects = (v: unknown): Json[] =>
  array(v).filter((o): o is Json => typeof o === 'object' && o !== null && !Array.isArray(o))

/**
 * A name or search string reduced to what fuzzy search compares: accents removed (NFKD, combining
 * marks dropped), lower case, letters and digits of any script only ("Müller-Lüdenscheidt" ->
 * "mullerludenscheidt").
 */
export function normalizeName(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]/gu, '')
}

/** Every suffix of each normalised name: a substring search is then a prefix search on an index. */
export function nameSuffixes(names: readonly (string | undefined)[]): string[] {
  const out = new Set<string>()
  for (const name of names) {
    if (!name) continue
    const chars = Array.from(normalizeName(name)).slice(0, MAX_NAME_LENGTH)
    for (let i = 0; i < chars.length; i++) out.add(chars.slice(i).join(''))
  }
  return [...out]
}

/** Code and label terms of CodingReference arrays (`labels`, `codes`, `specialityCodes`). */
function codingTerms(doc: Json, field: string, term: (type: string, code?: string) => string): string[] {
  const out: string[] = []
  for (const ref of objects(doc[field])) {
    if (!isString(ref.type)) continue
    out.push(term(ref.type))
    if (isString(ref.code)) out.push(term(ref.type, ref.code))
  }
  return out
}

function identifierTerms(doc: Json): string[] {
  return objects(doc.identifiers)
    .filter((i) => isString(i.system) || isString(i.value))
    .map((i) =>
      TERMS.identifier(isString(i.system) ? i.system : undefined, isString(i.value) ? i.value : undefined),
    )
}

/** A MedTech fuzzy date given by the client, if it is one (a non-negative safe integer). */
function fuzzyDate(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined
}

/** Name variants of a person: "last first" and "first last", and each PersonName of `names`. */
function personNames(doc: Json, extra: readonly string[]): (string | undefined)[] {
  const first = isString(doc.firstName) ? doc.firstName : ''
  const last = isString(doc.lastName) ? doc.lastName : ''
  const out: (string | undefined)[] = [`${last}${first}`, `${first}${last}`]
  for (const field of extra) if (isString(doc[field])) out.push(doc[field])
  for (const n of objects(doc.names)) {
    const firstNames = array(n.firstNames).filter(isString).join('')
    const lastName = isString(n.lastName) ? n.lastName : ''
    out.push(`${lastName}${firstNames}`, `${firstNames}${lastName}`)
  }
  return out
}

/** What each searchable document type indexes. */
const EXTRACTORS = {
  patient(doc: Json): SearchIndex {
    const term = [
      ...codingTerms(doc, 'labels', TERMS.label),
      ...codingTerms(doc, 'codes', TERMS.code),
      ...identifierTerms(doc),
    ]
    if (isString(doc.ssin)) term.push(TERMS.ssin(doc.ssin))
    if (isString(doc.gender)) term.push(TERMS.gender(doc.gender))
    if (isString(doc.education)) term.push(TERMS.education(doc.education))
    if (isString(doc.profession)) term.push(TERMS.profession(doc.profession))
    return {
      term,
      name: nameSuffixes(personNames(doc, ['maidenName', 'spouseName', 'partnerName'])),
      sortValue: fuzzyDate(doc.dateOfBirth) ?? 0,
    }
  },
  dataSample(doc: Json): SearchIndex {
    const term = [
      ...codingTerms(doc, 'labels', TERMS.label),
      ...codingTerms(doc, 'codes', TERMS.code),
      ...identifierTerms(doc),
      ...array(doc.healthcareElementIds).filter(isString).map(TERMS.healthcareElement),
    ]
    if (typeof doc.status === 'number' && Number.isSafeInteger(doc.status))
      term.push(TERMS.status(doc.status))
    // Filters compare sample dates as date-times: a sample dated with a plain date sorts at its midnight.
    const date = fuzzyDate(doc.valueDate) ?? fuzzyDate(doc.openingDate) ?? 0
    return { term, name: [], sortValue: dateBound(date, false, true) ?? 0 }
  },
  healthcareElement(doc: Json): SearchIndex {
    const term = [
      ...codingTerms(doc, 'labels', TERMS.label),
      ...codingTerms(doc, 'codes', TERMS.code),
      ...identifierTerms(doc),
    ]
    if (typeof doc.status === 'number' && Number.isSafeInteger(doc.status))
      term.push(TERMS.status(doc.status))
    return { term, name: [], sortValue: fuzzyDate(doc.openingDate) ?? fuzzyDate(doc.valueDate) ?? 0 }
  },
  notification(doc: Json): SearchIndex {
    // Only what the notification filters ask: its type, and its creation time (epoch ms, set by the
    // server unless the creator gave one) as the sort value, so that "created after a date, newest
    // first" is one range of the term index. Its status is not indexed: no filter selects by it.
    const term = isString(doc.type) ? [TERMS.notificationType(doc.type)] : []
    return { term, name: [], sortValue: fuzzyDate(doc.created) ?? 0 }
  },
  healthcareProfessional(doc: Json): SearchIndex {
    const term = [
      ...codingTerms(doc, 'labels', TERMS.label),
      ...codingTerms(doc, 'codes', TERMS.code),
      ...codingTerms(doc, 'specialityCodes', TERMS.code),
    ]
    return { term, name: nameSuffixes(personNames(doc, ['name'])), sortValue: 0 }
  },
} as const

/** Document types with a search index. */
export type SearchableType = keyof typeof EXTRACTORS

/**
 * The search index of a document: its terms (plus the term every document carries, and the secret
 * ids of its parent patient for encrypted entities), name suffixes and sort value. Too many values ->
 * 400, before anything is written.
 */
export function searchIndexOf(
  type: SearchableType,
  doc: Json,
  secretForeignKeys: readonly string[] = [],
): SearchIndex {
  const index = EXTRACTORS[type](doc)
  const term = [...new Set([EVERY_DOCUMENT_TERM, ...secretForeignKeys.map(TERMS.secretId), ...index.term])]
  if (term.length + index.name.length > MAX_TERMS_PER_DOCUMENT) {
    throw badRequest(
      `${type} ${String(doc.id)} has ${term.length + index.name.length} searchable values (codes, labels, identifiers, names); at most ${MAX_TERMS_PER_DOCUMENT} are indexed`,
    )
  }
  return { term, name: index.name, sortValue: index.sortValue }
}

/**
 * A fuzzy date bound as a sort value. Samples are dated YYYYMMDDhhmmss and patients YYYYMMDD: a bound
 * given as a date (8 digits or fewer) against date-times covers that whole day.
 */
export function dateBound(value: number | undefined, end: boolean, dateTimes: boolean): number | undefined {
  if (value === undefined) return undefined
  if (!dateTimes || value > 99_999_999) return value
  return value * 1_000_000 + (end ? 235_959 : 0)
}
