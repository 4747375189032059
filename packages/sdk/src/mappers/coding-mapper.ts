import type { CodingDto } from '@cairn/protocol'
import { Coding } from '../models/index.ts'

/**
 * MedTech's pattern of a coding id given for an update (`type|code|version`). Unanchored, as MedTech
 * tests it: an id containing such a part is kept as given (the server then checks it is exactly
 * `type|code|version` of the coding).
 */
export const CODING_ID_PATTERN = /[a-zA-Z0-9]{0,80}\|[a-zA-Z0-9.-]{0,80}\|[a-zA-Z0-9.]{0,80}/

/** The id a coding is sent with: the given id if it has MedTech's form, else `type|code|version`. */
export function codingIdOf(coding: Coding): string {
  return coding.id !== undefined && CODING_ID_PATTERN.test(coding.id)
    ? coding.id
    : `${coding.type}|${coding.code}|${coding.version}`
}

/**
 * A Coding model -> its wire form: `description` travels as `label`, search-term Sets as arrays, and
 * only the fields of the wire schema are sent.
 */
export function codingToDto(coding: Coding): CodingDto {
  const c = coding instanceof Coding ? coding : new Coding(coding)
  const dto: Record<string, unknown> = {
    id: codingIdOf(c),
    type: c.type,
    code: c.code,
    version: c.version,
  }
  if (c.rev !== undefined) dto.rev = c.rev
  if (c.regions !== undefined) dto.regions = [...c.regions]
  if (c.description !== undefined) dto.label = { ...c.description }
  if (c.qualifiedLinks !== undefined)
    dto.qualifiedLinks = Object.fromEntries(Object.entries(c.qualifiedLinks).map(([k, v]) => [k, [...v]]))
  const terms = Object.entries(c.searchTerms ?? {})
  if (terms.length > 0) dto.searchTerms = Object.fromEntries(terms.map(([k, v]) => [k, [...v]]))
  return dto as CodingDto
}

/** A wire coding -> the MedTech model (`label` becomes `description`). */
export function codingFromDto(dto: CodingDto): Coding {
  const { label, created: _created, modified: _modified, ...rest } = dto
  return new Coding({ ...rest, ...(label !== undefined ? { description: label } : {}) })
}
