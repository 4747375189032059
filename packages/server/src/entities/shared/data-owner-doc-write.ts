import type { DataOwnerDocDto } from '@cairn/protocol'
import type { Caller } from '../../auth/caller.ts'
import { badRequest } from '../../http/app-error.ts'
import type { DocIndexes, DocWrite, Storage } from '../../storage/storage.ts'
import { searchIndexOf } from '../../filters/search-terms.ts'
import { nextRev } from './revision.ts'

/** The stored JSON of a new professional or device record, and the write that inserts it. */
export interface NewDataOwnerDoc {
  json: string
  write: DocWrite
}

/**
 * The stored form of a new healthcare professional or device record. `author` (the creating user)
 * and `responsible` are set by the server, never taken from the client: `responsible` decides who may
 * modify the record and link a user to it (access-policy), so a client naming someone else there
 * could claim a record for that professional, or one professional could plant records on another.
 * It is the creating professional; an admin may name a professional instead (checked to exist by
 * assertResponsibleExists).
 */
export function newDataOwnerDoc(
  caller: Caller,
  kind: DataOwnerDocKind,
  doc: DataOwnerDocDto,
  now: number,
): NewDataOwnerDoc {
  const { rev: _ignored, author: _author, responsible: requested, ...rest } = doc
  const responsible =
    caller.isAdmin && typeof requested === 'string'
      ? requested
      : caller.dataOwnerType === 'HealthcareProfessional'
        ? caller.dataOwnerId
        : undefined
  const created = typeof doc.created === 'number' ? doc.created : now
  const body = { ...rest, created, modified: now, author: caller.userId, responsible }
  const rev = nextRev(undefined, JSON.stringify(body))
  const json = JSON.stringify({ ...body, rev })
  const write = {
    id: doc.id,
    rev,
    doc: json,
    created,
    modified: now,
    indexes: dataOwnerDocIndexes(kind, body),
  }
  return { json, write }
}

/** The clear data-owner document types. */
export type DataOwnerDocKind = 'healthcareProfessional' | 'medicalDevice'

/**
 * Index values of a professional or device record: professionals are searched by name, labels and
 * codes (speciality codes included: filters/search-terms.ts); devices by id only.
 */
export function dataOwnerDocIndexes(kind: DataOwnerDocKind, doc: Record<string, unknown>): DocIndexes {
  if (kind === 'medicalDevice') return {}
  const { term, name, sortValue } = searchIndexOf(kind, doc)
  return { term, name, sortValue }
}

/**
 * 400 unless `responsible` (a value an admin gave) names an existing healthcare professional: the
 * field grants that professional the management of the record.
 */
export async function assertResponsibleExists(storage: Storage, responsible: unknown): Promise<void> {
  if (responsible === undefined) return
  const found =
    typeof responsible === 'string' && (await storage.getDoc('healthcareProfessional', responsible))
  if (!found || found.deleted)
    throw badRequest(`responsible ${JSON.stringify(responsible)} is not a healthcare professional`)
}
