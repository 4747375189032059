import { describe, expect, it, vi } from 'vitest'
import { NoOpFilter } from './filter.ts'
import { MedicalDeviceFilter } from './medical-device-filter.ts'

describe('MedicalDeviceFilter', () => {
  it('builds AllMedicalDevicesFilter when nothing is added, and MedicalDeviceByIdsFilter for ids', async () => {
    expect(await new MedicalDeviceFilter().build()).toStrictEqual({ $type: 'AllMedicalDevicesFilter' })
    expect(await new MedicalDeviceFilter({}).byIds(['d1', 'd2']).build()).toStrictEqual({
      $type: 'MedicalDeviceByIdsFilter',
      ids: ['d1', 'd2'],
    })
  })

  it('intersects id lists in the order of the first or of the sort key; empty is a NoOpFilter', async () => {
    expect(await new MedicalDeviceFilter().byIds(['a', 'b', 'c']).byIds(['c', 'a']).build()).toEqual({
      $type: 'MedicalDeviceByIdsFilter',
      ids: ['a', 'c'],
    })
    expect(await new MedicalDeviceFilter().byIds(['a', 'b', 'c']).sort.byIds(['c', 'a']).build()).toEqual({
      $type: 'MedicalDeviceByIdsFilter',
      ids: ['c', 'a'],
    })
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    try {
      expect(NoOpFilter.isNoOp(await new MedicalDeviceFilter().byIds(['a']).byIds(['b']).build())).toBe(true)
      expect(warn).toHaveBeenCalledWith(
        'Warning: the filter you built cannot be resolved and will return no entity',
      )
    } finally {
      warn.mockRestore()
    }
    expect(() => new MedicalDeviceFilter().byIds(undefined as unknown as string[])).toThrow(
      'MedicalDeviceFilter.byIds(ids) needs an array, got undefined',
    )
  })
})
