import type { MedicalDevice } from '../models/index.ts'
import type { AllMedicalDevicesFilter, MedicalDeviceByIdsFilter } from './concrete-filters.ts'
import type { Filter } from './filter.ts'
import { FilterAccumulator } from './filter-accumulator.ts'
import { SortableFilterBuilder } from './filter-builder.ts'
import { listOf } from './filter-fields.ts'
import { sortStep } from './sort-step.ts'

/** The `sort` decorator of the medical device builder: `byIds`, marked as the sort key. */
export interface MedicalDeviceFilterSortStep {
  byIds(ids: string[]): { byIds(ids: string[]): MedicalDeviceFilter; build(): Promise<Filter<MedicalDevice>> }
}

/**
 * MedTech's `MedicalDeviceFilter`: the device directory is public to every signed-in user, so no
 * data owner is involved. `byIds` lists intersect (an empty intersection is a NoOpFilter); nothing
 * added gives `AllMedicalDevicesFilter`.
 */
export class MedicalDeviceFilter extends SortableFilterBuilder<MedicalDevice, MedicalDeviceFilterSortStep> {
  readonly _builderAccumulator = new FilterAccumulator<MedicalDevice>()

  /** `api` is accepted for MedTech compatibility: these filters need no data owner. */
  constructor(_api?: unknown) {
    super()
  }

  /** Medical devices among these ids. */
  byIds(ids: string[]): MedicalDeviceFilter {
    const filter: MedicalDeviceByIdsFilter = {
      $type: 'MedicalDeviceByIdsFilter',
      ids: listOf(ids, 'MedicalDeviceFilter.byIds(ids)'),
    }
    this._builderAccumulator.addByIds(filter, 'ids')
    return this
  }

  /** Adds the next criterion as the sort key: with `byIds`, the results follow the order of its ids. */
  get sort(): MedicalDeviceFilterSortStep {
    return sortStep<MedicalDeviceFilterSortStep>(this, this._builderAccumulator, ['byIds'])
  }

  /** The filter of the criteria added so far; `AllMedicalDevicesFilter` when there are none. */
  build(): Promise<Filter<MedicalDevice>> {
    return this._builderAccumulator.build((): AllMedicalDevicesFilter => ({
      $type: 'AllMedicalDevicesFilter',
    }))
  }
}
