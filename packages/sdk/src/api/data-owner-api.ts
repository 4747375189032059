import { ROUTES, type DataOwnerWithTypeDto, type EncryptedEntityDto } from '@cairn/protocol'
import { notAvailable, SdkError } from '../http/sdk-error.ts'
import {
  EncryptedPatient,
  HealthcareProfessional,
  MedicalDevice,
  type DataOwnerWithType,
  type User,
} from '../models/index.ts'
import { publishedKeysOf } from '../crypto/data-owner-keys.ts'
import type { ApiContext } from './api-context.ts'
import type { PatientApi } from './patient-api.ts'

/** The data owner id of a user (MedTech: healthcare professional, then patient, then device). */
export function dataOwnerIdOf(user: User): string {
  const id = user.healthcarePartyId ?? user.patientId ?? user.deviceId
  if (!id) {
    throw new SdkError(
      'FORBIDDEN',
      'The current user is not a data owner. You must be either a patient, a device or a healthcare professional to call this method.',
    )
  }
  return id
}

/** Builds the typed model of a data owner document; patients decrypted when possible. */
export async function dataOwnerFromDto(
  dto: DataOwnerWithTypeDto,
  patients?: PatientApi,
): Promise<DataOwnerWithType> {
  if (dto.type === 'HealthcareProfessional')
    return { type: dto.type, dataOwner: new HealthcareProfessional(dto.dataOwner) }
  if (dto.type === 'MedicalDevice') return { type: dto.type, dataOwner: new MedicalDevice(dto.dataOwner) }
  const doc = dto.dataOwner as unknown as EncryptedEntityDto
  if (patients && doc.systemMetaData?.delegations) {
    const { model, decrypted } = await patients.store
      .decrypt(doc)
      .catch(() => ({ model: undefined, decrypted: false }))
    if (model && decrypted) return { type: 'Patient', dataOwner: model }
  }
  return { type: 'Patient', dataOwner: new EncryptedPatient(dto.dataOwner) }
}

/** MedTech `DataOwnerApi`. */
export class DataOwnerApi {
  constructor(
    private readonly ctx: ApiContext,
    private readonly patients: PatientApi,
  ) {}

  /** `healthcarePartyId ?? patientId ?? deviceId` of the user (sync). */
  getDataOwnerIdOf(user: User): string {
    return dataOwnerIdOf(user)
  }

  /** A data owner by id, typed; a patient the caller cannot access comes with its public keys only. */
  async getDataOwner(ownerId: string): Promise<DataOwnerWithType> {
    const dto = await this.ctx.http.call(ROUTES.getDataOwner, { params: { id: ownerId } })
    return dataOwnerFromDto(dto, this.patients)
  }

  /** Not available yet in Cairn (docs/compatibility.md). */
  giveAccessBackTo(_ownerId: string, _ownerNewPublicKey: string): Promise<void> {
    return Promise.reject(notAvailable('dataOwnerApi.giveAccessBackTo'))
  }

  /** Hex SPKI public keys of a data owner. */
  getPublicKeysOf(dataOwner: DataOwnerWithType): string[] {
    const owner = dataOwner.dataOwner as { systemMetaData?: { marshal?: () => unknown } }
    const meta = owner.systemMetaData?.marshal
      ? (owner.systemMetaData.marshal() as Record<string, unknown>)
      : owner.systemMetaData
    return publishedKeysOf({ systemMetaData: meta })
  }
}
