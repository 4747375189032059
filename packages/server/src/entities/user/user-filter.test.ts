import { describe, expect, it } from 'vitest'
import type { UserFilterDto } from '@cairn/protocol'
import { compileUserFilter, withoutDataOwners } from './user-filter.ts'

const ids = (n: number): UserFilterDto => ({
  $type: 'UserByIdsFilter',
  ids: Array.from({ length: n }, (_, i) => `u${i}`),
})

describe('user filters', () => {
  it('compiles leaves to criteria and compositions to all / any / not, collecting patient ids', () => {
    const compiled = compileUserFilter({
      $type: 'ComplementFilter',
      superSet: { $type: 'UnionFilter', filters: [{ $type: 'AllUsersFilter' }, ids(1)] },
      subSet: { $type: 'UsersByPatientIdFilter', patientId: 'p1' },
    })
    expect(compiled).toEqual({
      query: { all: [{ any: [{}, { ids: ['u0'] }] }], not: { dataOwnerId: 'p1' } },
      patientIds: ['p1'],
    })
  })

  it('turns criteria on data owners that are no patients into "nobody", anywhere in the tree', () => {
    expect(
      withoutDataOwners({ any: [{ dataOwnerId: 'h1' }, { dataOwnerId: 'p1' }] }, new Set(['h1'])),
    ).toEqual({
      any: [{ ids: [] }, { dataOwnerId: 'p1' }],
    })
  })

  it('refuses (400) more than 50 leaves or 10,000 ids in one filter', () => {
    const union = (filters: UserFilterDto[]): UserFilterDto => ({ $type: 'UnionFilter', filters })
    expect(() => compileUserFilter(union(Array.from({ length: 50 }, () => ids(1))))).not.toThrow()
    expect(() => compileUserFilter(union([union(Array.from({ length: 50 }, () => ids(1))), ids(1)]))).toThrow(
      expect.objectContaining({
        code: 'BAD_REQUEST',
        message: expect.stringMatching(/at most 50 filters/) as unknown,
      }) as unknown,
    )
    expect(() => compileUserFilter(union(Array.from({ length: 11 }, () => ids(1000))))).toThrow(
      expect.objectContaining({
        code: 'BAD_REQUEST',
        message: expect.stringMatching(/at most 10000 ids/) as unknown,
      }) as unknown,
    )
  })
})
