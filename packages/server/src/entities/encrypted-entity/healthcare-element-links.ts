import type { EncryptedEntityDto } from '@cairn/protocol'
import type { Caller } from '../../auth/caller.ts'
import { assertCanLinkHealthcareElements } from '../../access/access-policy.ts'
import { badRequest } from '../../http/app-error.ts'
import type { Storage } from '../../storage/storage.ts'

/** A data sample as written: its id and its (clear) links to healthcare elements. */
type SampleDoc = { id: string; healthcareElementIds?: unknown }

/** The `healthcareElementIds` a client sends: a list of ids, or a 400. */
function requestedLinks(doc: SampleDoc): string[] {
  const links = doc.healthcareElementIds
  if (links === undefined || links === null) return []
  if (!Array.isArray(links) || links.some((id) => typeof id !== 'string'))
    throw badRequest(`dataSample ${doc.id}: healthcareElementIds must be a list of healthcare element ids`)
  return links as string[]
}

/** The links a stored sample holds (whatever was stored before this check existed counts as none). */
function storedLinks(doc: SampleDoc | undefined): Set<string> {
  const links = doc?.healthcareElementIds
  return new Set(Array.isArray(links) ? links.filter((id): id is string => typeof id === 'string') : [])
}

/**
 * The referential check of data samples, made by the server so that no client can skip it: every
 * healthcare element a create or modify links a sample to must exist, not be deleted, and be
 * readable by the caller (400 with MedTech's text otherwise, access-policy). Only the links a write
 * adds are checked: links already stored stay valid when their element is deleted later or when a
 * delegate that cannot read the element modifies or shares the sample (a share is a modify).
 */
export async function assertHealthcareElementLinks(
  storage: Storage,
  caller: Caller,
  samples: readonly { doc: SampleDoc; before?: SampleDoc }[],
): Promise<void> {
  const added = new Set<string>()
  for (const { doc, before } of samples) {
    const had = storedLinks(before)
    for (const id of requestedLinks(doc)) if (!had.has(id)) added.add(id)
  }
  if (added.size === 0) return
  const ids = [...added]
  const live = (await storage.getDocs('healthcareElement', ids))
    .filter((d) => !d.deleted)
    .map((d) => JSON.parse(d.doc) as EncryptedEntityDto)
  assertCanLinkHealthcareElements(caller, ids, live)
}
