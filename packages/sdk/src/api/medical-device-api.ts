import { MAX_BATCH_SIZE, ROUTES } from '@cairn/protocol'
import { MedicalDevice, PaginatedListMedicalDevice } from '../models/index.ts'
import { forceUuid } from '../mappers/wire.ts'
import { SdkError } from '../http/sdk-error.ts'
import type { ApiContext } from './api-context.ts'
import type { Filter } from '../filter/filter.ts'
import { filterDirectory, matchDirectory } from './search.ts'
import { forgetDataOwner } from './forget-data-owner.ts'

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

  /**
   * Creates (no rev) and modifies (rev) devices in bulk; results come in the order given. Every id is
   * checked before any request: a device to modify needs its UUID (`The id of the device to update
   * should be a valid UUID`), a malformed one is `Invalid id, id must be a valid UUID`. Modifications
   * go first, so that a stale rev (409, nothing of its batch saved) rejects before anything new is
   * created; each batch of MAX_BATCH_SIZE devices is one transaction on the server.
   */
  async createOrModifyMedicalDevices(medicalDevices: MedicalDevice[]): Promise<MedicalDevice[]> {
    const devices = medicalDevices.map((d) => (d instanceof MedicalDevice ? d : new MedicalDevice(d)))
    const bodies = devices.map((device) => {
      if (device.rev && !device.id)
        throw new SdkError('BAD_REQUEST', 'The id of the device to update should be a valid UUID')
      return { ...(device.marshal() as Record<string, unknown>), id: forceUuid(device.id) }
    })
    const routes = ROUTES.medicalDevice
    const modified = await inBatches(
      bodies.filter((_, i) => devices[i].rev),
      (body) => this.ctx.http.call(routes.modifyBatch, { body }),
    )
    const created = await inBatches(
      bodies.filter((_, i) => !devices[i].rev),
      (body) => this.ctx.http.call(routes.createBatch, { body }),
    )
    const saved = new Map([...modified, ...created].map((d) => [d.id, d]))
    return bodies.map((b) => new MedicalDevice(saved.get(b.id)!))
  }

  /**
   * Deletes a device (admins and its responsible professional); returns the rev of the deletion
   * (MedTech). A device some user acts as is refused (409) until that user is deleted.
   */
  async deleteMedicalDevice(medicalDeviceId: string): Promise<string> {
    const deleted = await this.ctx.http.call(ROUTES.medicalDevice.delete, {
      params: { id: medicalDeviceId },
    })
    forgetDataOwner(this.ctx, medicalDeviceId)
    if (!deleted?.rev) throw new SdkError('INTERNAL', `Couldn't delete medical device ${medicalDeviceId}`)
    return deleted.rev
  }

  /**
   * Deletes devices; returns the revs of the deletions, in the order given (MedTech). Each batch of
   * MAX_BATCH_SIZE ids is one transaction: all of them, or none when one of them is refused.
   */
  async deleteMedicalDevices(requestBody: string[]): Promise<string[]> {
    const deleted = await inBatches(requestBody, (ids) =>
      this.ctx.http.call(ROUTES.medicalDevice.deleteBatch, { body: { ids } }),
    )
    for (const { id } of deleted) forgetDataOwner(this.ctx, id)
    return deleted.map((d) => d.rev)
  }

  /** One page of the devices matching `filter` (ids, or all). */
  filterMedicalDevices(
    filter: Filter<MedicalDevice>,
    nextDeviceId?: string,
    limit?: number,
  ): Promise<PaginatedListMedicalDevice> {
    return filterDirectory(
      this.ctx,
      'medicalDevice',
      MedicalDevice,
      PaginatedListMedicalDevice,
      filter,
      nextDeviceId,
      limit,
    )
  }

  /** Ids of every device matching `filter` (MedTech quirk 5 fixed: device filters, not user filters). */
  matchMedicalDevices(filter: Filter<MedicalDevice>): Promise<string[]> {
    return matchDirectory(this.ctx, 'medicalDevice', filter)
  }
}

/** Sends `items` in consecutive batches of at most MAX_BATCH_SIZE (none when empty); the answers, in order. */
async function inBatches<I, O>(items: readonly I[], send: (batch: I[]) => Promise<O[]>): Promise<O[]> {
  const out: O[] = []
  for (let start = 0; start < items.length; start += MAX_BATCH_SIZE)
    out.push(...(await send(items.slice(start, start + MAX_BATCH_SIZE))))
  return out
}
