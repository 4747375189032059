import { ENTITY_DESCRIPTORS, type EncryptedEntityDto, type EntityType, type IndexKind } from '@cairn/protocol'
import { accessorsOf } from '../../access/access-policy.ts'
import type { DocIndexes } from '../../storage/storage.ts'

/** Where each index kind takes its values in an encrypted entity document. */
const INDEX_SOURCES: Readonly<Record<IndexKind, (doc: EncryptedEntityDto) => readonly string[]>> = {
  access: accessorsOf,
  sfk: (doc) => doc.systemMetaData.secretForeignKeys,
}

/**
 * The index values of a document for the index kinds its descriptor declares, and only those: a
 * field of a kind the type does not index (e.g. secret foreign keys sent on a type without that
 * index) is stored in the document but not indexed.
 */
export function indexValues(type: EntityType, doc: EncryptedEntityDto): DocIndexes {
  const kinds: readonly IndexKind[] = ENTITY_DESCRIPTORS[type].indexes
  return Object.fromEntries(kinds.map((kind) => [kind, INDEX_SOURCES[kind](doc)]))
}
