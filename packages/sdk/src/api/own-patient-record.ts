import type { EncryptedEntityDto } from '@cairn/protocol'
import type { EntityCrypto } from '../crypto/entity-crypto.ts'

/** Whether nobody has ever encrypted the record: no key, no delegation, no seal (a record the server made). */
function neverEncrypted(doc: EncryptedEntityDto): boolean {
  const meta = doc.systemMetaData ?? {}
  return (
    !meta.seal &&
    !meta.encryptedSelf &&
    Object.keys(meta.encryptionKeys ?? {}).length === 0 &&
    Object.keys(meta.delegations ?? {}).length === 0
  )
}

/**
 * What a patient's first login on a device must write on its own record, if anything (MedTech: "adds
 * a delegation to itself with a fresh secret id, and initialises encryption keys if the patient had
 * none"). A record never encrypted — the one a sign-up by code creates on the server, which holds no
 * key — gets its encryption set up as at a creation by the patient: an entity key for the patient
 * alone, a secret id, an empty encrypted content and the first seal; its clear fields (the names given
 * at sign-up) are kept. A record the patient holds no secret id of gets one. Otherwise undefined.
 */
export async function ownPatientRecordUpdate(
  crypto: EntityCrypto,
  doc: EncryptedEntityDto,
): Promise<EncryptedEntityDto | undefined> {
  if (neverEncrypted(doc)) {
    const { meta, key } = await crypto.newMetadata('patient', doc.id, [])
    meta.encryptedSelf = await crypto.encryptFields('patient', doc.id, key, {})
    const next: EncryptedEntityDto = { ...doc, systemMetaData: { ...doc.systemMetaData, ...meta } }
    next.systemMetaData.seal = await crypto.seal('patient', next, key)
    await crypto.creations.remember('patient', [
      { id: doc.id, commitment: next.systemMetaData.seal.commitment },
    ])
    return next
  }
  if ((await crypto.secretIdsOf('patient', doc)).length === 0)
    return crypto.withNewSecretIdForSelf('patient', doc)
  return undefined
}
