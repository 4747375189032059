import type { ModelInit } from './model-utils.ts'
import { PaginatedList } from './paginated-list.ts'
import { MedicalDevice } from './medical-device.ts'

/** One page of medical devices returned by a filter query, with the key of the next page. */
export class PaginatedListMedicalDevice extends PaginatedList<MedicalDevice> {
  /** Copies the given fields, re-wrapping the rows as {@link MedicalDevice}. */
  constructor(json: ModelInit<PaginatedList<MedicalDevice>>) {
    super(json, MedicalDevice)
  }
}
