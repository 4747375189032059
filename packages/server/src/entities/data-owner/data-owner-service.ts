import type { DataOwnerDocDto, DataOwnerWithTypeDto, EncryptedEntityDto } from '@cairn/protocol'
import type { Caller } from '../../auth/caller.ts'
import { canReadEntity, requireDataOwner } from '../../access/access-policy.ts'
import { notFound } from '../../http/app-error.ts'
import type { Storage } from '../../storage/storage.ts'

/**
 * Resolves any data owner id to its typed document. Everybody may learn a data owner's public keys
 * (needed to share with it); a patient record the caller cannot access is reduced to id, rev and keys.
 * A deleted data owner answers its tombstone (id, rev, dates, `deletionDate`, public keys and key
 * statements, nothing else): the exchange keys it signed must still verify for the data owners it
 * shared data with.
 */
export class DataOwnerService {
  constructor(private readonly storage: Storage) {}

  /** The typed data owner `id`, as the caller may see it; 404 if no data owner has that id. */
  async get(caller: Caller, id: string): Promise<DataOwnerWithTypeDto> {
    // A tombstone (entities/shared/tombstone.ts) holds nothing but what everybody may read.
    const hcp = await this.storage.getDoc('healthcareProfessional', id)
    if (hcp) return { type: 'HealthcareProfessional', dataOwner: JSON.parse(hcp.doc) as DataOwnerDocDto }
    const device = await this.storage.getDoc('medicalDevice', id)
    if (device) return { type: 'MedicalDevice', dataOwner: JSON.parse(device.doc) as DataOwnerDocDto }
    const patient = await this.storage.getDoc('patient', id)
    if (patient?.deleted) return { type: 'Patient', dataOwner: JSON.parse(patient.doc) as DataOwnerDocDto }
    if (patient) {
      const doc = JSON.parse(patient.doc) as EncryptedEntityDto
      if (canReadEntity(caller, 'patient', doc)) return { type: 'Patient', dataOwner: doc }
      // The signed key statements too: without them, a counterpart that cannot read the record would
      // miss the patient's rotations, revocations and restored keys.
      const { publicKey, publicKeysForOaepWithSha256, keyStatements } = doc.systemMetaData
      return {
        type: 'Patient',
        dataOwner: {
          id: doc.id,
          rev: doc.rev,
          systemMetaData: { publicKey, publicKeysForOaepWithSha256, keyStatements },
        },
      }
    }
    throw notFound(`Data owner ${id} does not exist`)
  }

  /** The data owner the caller acts as. */
  async current(caller: Caller): Promise<DataOwnerWithTypeDto> {
    return this.get(caller, requireDataOwner(caller))
  }
}
