import { ROUTES } from '@cairn/protocol'
import { MedicalDevice, type PaginatedListMedicalDevice } from '../models/index.ts'
import { forceUuid } from '../mappers/wire.ts'
import { notAvailable } from '../http/sdk-error.ts'
import type { ApiContext } from './api-context.ts'

/** MedTech `MedicalDeviceApi` (devices are data owners; not encrypted). */
export class MedicalDeviceApi {
  constructor(private readonly ctx: ApiContext) {}

  /** Creates (no rev) or modifies (rev; stale -> 409) a medical device. */
  async createOrModifyMedicalDevice(medicalDevice: MedicalDevice): Promise<MedicalDevice> {
    const device = medicalDevice instanceof MedicalDevice ? medicalDevice : new MedicalDevice(medicalDevice)
    const body = { ...(device.marshal() as Record<string, unknown>), id: forceUuid(device.id) }
    const routes = ROUTES.medicalDevice
    return new MedicalDevice(await this.ctx.http.call(device.rev ? routes.modify : routes.create, { body }))
  }

  /** A medical device by id. */
  async getMedicalDevice(medicalDeviceId: string): Promise<MedicalDevice> {
    return new MedicalDevice(
      await this.ctx.http.call(ROUTES.medicalDevice.get, { params: { id: medicalDeviceId } }),
    )
  }

  /** Not available yet in Cairn (docs/compatibility.md). */
  createOrModifyMedicalDevices(_medicalDevices: MedicalDevice[]): Promise<MedicalDevice[]> {
    return Promise.reject(notAvailable('medicalDeviceApi.createOrModifyMedicalDevices'))
  }

  /** Not available yet in Cairn (docs/compatibility.md). */
  deleteMedicalDevice(_medicalDeviceId: string): Promise<string> {
    return Promise.reject(notAvailable('medicalDeviceApi.deleteMedicalDevice'))
  }

  /** Not available yet in Cairn (docs/compatibility.md). */
  deleteMedicalDevices(_requestBody: string[]): Promise<string[]> {
    return Promise.reject(notAvailable('medicalDeviceApi.deleteMedicalDevices'))
  }

  /** Not available yet in Cairn (docs/compatibility.md). */
  filterMedicalDevices(
    _filter: unknown,
    _nextDeviceId?: string,
    _limit?: number,
  ): Promise<PaginatedListMedicalDevice> {
    return Promise.reject(notAvailable('medicalDeviceApi.filterMedicalDevices'))
  }

  /** Not available yet in Cairn (docs/compatibility.md). */
  matchMedicalDevices(_filter: unknown): Promise<string[]> {
    return Promise.reject(notAvailable('medicalDeviceApi.matchMedicalDevices'))
  }
}
