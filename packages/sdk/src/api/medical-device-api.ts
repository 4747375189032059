import type { DataOwnerDocDto } from '@cairn/protocol'
import { MedicalDevice } from '../models/index.ts'
import { forceUuid } from '../mappers/wire.ts'
import type { ApiContext } from './api-context.ts'

/** MedTech `MedicalDeviceApi` (devices are data owners; not encrypted). */
export class MedicalDeviceApi {
  constructor(private readonly ctx: ApiContext) {}

  /** Creates (no rev) or modifies (rev; stale -> 409) a medical device. */
  async createOrModifyMedicalDevice(medicalDevice: MedicalDevice): Promise<MedicalDevice> {
    const device = medicalDevice instanceof MedicalDevice ? medicalDevice : new MedicalDevice(medicalDevice)
    const body = { ...(device.marshal() as Record<string, unknown>), id: forceUuid(device.id) }
    const saved = device.rev
      ? await this.ctx.http.put<DataOwnerDocDto>('/device', body)
      : await this.ctx.http.post<DataOwnerDocDto>('/device', body)
    return new MedicalDevice(saved)
  }

  /** A medical device by id. */
  async getMedicalDevice(medicalDeviceId: string): Promise<MedicalDevice> {
    return new MedicalDevice(
      await this.ctx.http.get<DataOwnerDocDto>(`/device/${encodeURIComponent(medicalDeviceId)}`),
    )
  }
}
