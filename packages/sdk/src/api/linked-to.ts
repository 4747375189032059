import type { EncryptedEntityDto, EntityType } from '@cairn/protocol'
import type { AesKey } from '@cairn/crypto'
import type { EntityCrypto } from '../crypto/entity-crypto.ts'

/**
 * The check a list of a patient's children applies to each verified entity (protocol v2): it carries
 * one of the patient's secret ids (sealed, so the server cannot relink it) and its encrypted parent id
 * (unwrapped with the entity key the list verified) is that patient. Returns why an entity is refused, or undefined when it belongs to the patient.
 */
export function linkedTo(
  crypto: EntityCrypto,
  type: EntityType,
  patientId: string,
  secretIds: readonly string[],
): (doc: EncryptedEntityDto, key: AesKey) => Promise<string | undefined> {
  return async (doc, key) => {
    const sfks = doc.systemMetaData.secretForeignKeys ?? []
    if (!sfks.some((s) => secretIds.includes(s)))
      return `it is not linked to patient ${patientId} (none of its secret ids)`
    const parents = await crypto.parentIdsOf(type, doc, key)
    if (parents.length === 0) return `it carries no encrypted parent id readable by this data owner`
    if (!parents.includes(patientId)) return `its encrypted parent is another patient than ${patientId}`
    return undefined
  }
}
