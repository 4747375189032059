import { ENTITY_DESCRIPTORS, type EncryptedEntityDto, type EntityType } from '@cairn/protocol'
import { accessorsOf } from '../../access/access-policy.ts'
import { searchIndexOf } from '../../filters/search-terms.ts'
import type { DocIndexes } from '../../storage/storage.ts'

/**
 * The index values of an encrypted entity document: the data owners with access, and its search
 * index (terms from clear fields and the clear secret ids of its parent patient, name suffixes for
 * patients, and its sort date). See filters/search-terms.ts for what is indexed.
 */
export function indexValues(type: EntityType, doc: EncryptedEntityDto): DocIndexes {
  const search = searchIndexOf(type, doc, doc.systemMetaData.secretForeignKeys ?? [])
  return {
    access: accessorsOf(doc),
    term: search.term,
    ...((ENTITY_DESCRIPTORS[type].indexes as readonly string[]).includes('name')
      ? { name: search.name }
      : {}),
    sortValue: search.sortValue,
  }
}
