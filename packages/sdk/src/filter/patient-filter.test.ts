import { afterEach, beforeEach, describe, expect, expectTypeOf, it, vi, type MockInstance } from 'vitest'
import { Identifier, User } from '../models/index.ts'
import { dataOwnerIdOf } from '../api/data-owner-api.ts'
import type { MedTechApi } from '../api/medtech-api.ts'
import { SdkError } from '../http/sdk-error.ts'
import { NoOpFilter } from './filter.ts'
import type { FilterApi } from './filter-api.ts'
import { PatientFilter } from './patient-filter.ts'

/** The api of a logged-in user, as far as `forSelf()` uses it. */
const apiOf = (user: User): FilterApi => ({
  userApi: { getLoggedUser: () => Promise.resolve(user) },
  dataOwnerApi: { getDataOwnerIdOf: dataOwnerIdOf },
})
const hcpApi = apiOf(new User({ id: 'u1', healthcarePartyId: 'hcp-1' }))
const forHcp = () => new PatientFilter(hcpApi).forDataOwner('hcp-1')

const ofAge = (min: number, max: number) => ({
  $type: 'PatientByHealthcarePartyDateOfBirthBetweenFilter',
  healthcarePartyId: 'hcp-1',
  minDateOfBirth: min,
  maxDateOfBirth: max,
})
const fuzzy = (searchString: string) => ({
  $type: 'PatientByHealthcarePartyNameContainsFuzzyFilter',
  healthcarePartyId: 'hcp-1',
  searchString,
})

describe('PatientFilter', () => {
  let warn: MockInstance<typeof console.warn>
  beforeEach(() => {
    warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
  })
  afterEach(() => {
    warn.mockRestore()
    vi.useRealTimers()
  })

  it('accepts a MedTechApi', () => {
    expectTypeOf<MedTechApi>().toExtend<FilterApi>()
  })

  it('builds every patient of the data owner when nothing is added', async () => {
    const builder = forHcp()
    expect(await builder.getDataOwner()).toBe('hcp-1')
    expect(await builder.build()).toEqual({
      $type: 'PatientByHealthcarePartyFilter',
      healthcarePartyId: 'hcp-1',
    })
  })

  it('binds forSelf() to the current user’s data owner, and says when there is none', async () => {
    expect(await new PatientFilter(hcpApi).forSelf().build()).toEqual({
      $type: 'PatientByHealthcarePartyFilter',
      healthcarePartyId: 'hcp-1',
    })
    const patientApi = apiOf(new User({ id: 'u2', patientId: 'pat-1' }))
    expect(await new PatientFilter(patientApi).forSelf().containsFuzzy('x').build()).toEqual({
      ...fuzzy('x'),
      healthcarePartyId: 'pat-1',
    })

    const nobody = () => new PatientFilter(apiOf(new User({ id: 'u3' }))).forSelf()
    await expect(nobody().getDataOwner()).rejects.toThrow('The current user is not a data owner')
    for (const builder of [nobody(), nobody().containsFuzzy('x')]) {
      const error = await builder.build().catch((e: unknown) => e)
      expect(error).toBeInstanceOf(SdkError)
      expect(error).toMatchObject({ code: 'FORBIDDEN' })
    }
    // As in MedTech, byIds does not involve the data owner.
    expect(await nobody().byIds(['a']).build()).toEqual({ $type: 'PatientByIdsFilter', ids: ['a'] })
  })

  it('refuses an empty data owner id, and forSelf() without an api, at once', () => {
    expect(() => new PatientFilter(hcpApi).forDataOwner('')).toThrow(
      'PatientFilter.forDataOwner(dataOwnerId) needs a data owner id (a non-empty string)',
    )
    expect(() => new PatientFilter(undefined as unknown as FilterApi).forSelf()).toThrow(
      'PatientFilter.forSelf() needs the MedTechApi: new PatientFilter(api).forSelf()',
    )
  })

  it('makes one filter per method, with MedTech’s $type and fields', async () => {
    expect(await forHcp().byIds(['p1', 'p2']).build()).toEqual({
      $type: 'PatientByIdsFilter',
      ids: ['p1', 'p2'],
    })

    const identifier = new Identifier({ system: 'urn:hospital', value: '42' })
    const byIdentifiers = (await forHcp().byIdentifiers([identifier]).build()) as unknown as Record<
      string,
      unknown
    >
    expect(byIdentifiers).toEqual({
      $type: 'PatientByHealthcarePartyIdentifiersFilter',
      healthcarePartyId: 'hcp-1',
      identifiers: [identifier],
    })
    expect((byIdentifiers.identifiers as unknown[])[0]).toBeInstanceOf(Identifier)

    expect(await forHcp().byGenderEducationProfession('female', 'master', 'nurse').build()).toStrictEqual({
      $type: 'PatientByHealthcarePartyGenderEducationProfessionFilter',
      healthcarePartyId: 'hcp-1',
      gender: 'female',
      education: 'master',
      profession: 'nurse',
    })
    expect(await forHcp().byGenderEducationProfession('male').build()).toStrictEqual({
      $type: 'PatientByHealthcarePartyGenderEducationProfessionFilter',
      healthcarePartyId: 'hcp-1',
      gender: 'male',
    })
    expect(await forHcp().withSsins(['s1']).build()).toEqual({
      $type: 'PatientByHealthcarePartySsinsFilter',
      healthcarePartyId: 'hcp-1',
      ssins: ['s1'],
    })
    expect(await forHcp().dateOfBirthBetween(19800101, 19891231).build()).toEqual(ofAge(19800101, 19891231))
    expect(await forHcp().containsFuzzy('jean').build()).toEqual(fuzzy('jean'))
    expect(warn).not.toHaveBeenCalled()
  })

  it('computes ofAge from today’s day of the month (quirk 7 fixed), and refuses a bad age', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    // Wednesday 17 July 2024: MedTech's day-of-week formula would have used day 3.
    vi.setSystemTime(new Date(2024, 6, 17, 9))
    expect(await forHcp().ofAge(30).build()).toEqual(ofAge(19930718, 19940717))
    for (const bad of [-1, 2.5, Number.NaN]) {
      expect(() => forHcp().ofAge(bad)).toThrow(
        `ofAge(age) needs an age in full years (an integer ≥ 0), got ${bad}`,
      )
    }
  })

  it('accumulates as MedTech: ssins and ids intersect, ofAge must agree, the others add up', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(new Date(2024, 6, 17, 9))
    expect(await forHcp().withSsins(['a', 'b', 'c']).withSsins(['c', 'a']).build()).toEqual({
      $type: 'PatientByHealthcarePartySsinsFilter',
      healthcarePartyId: 'hcp-1',
      ssins: ['a', 'c'],
    })
    expect(await forHcp().ofAge(30).ofAge(30).build()).toEqual(ofAge(19930718, 19940717))
    expect(await forHcp().containsFuzzy('a').containsFuzzy('b').build()).toEqual({
      $type: 'IntersectionFilter',
      filters: [fuzzy('a'), fuzzy('b')],
    })
    // ofAge (singleton) and dateOfBirthBetween (simple) share a $type but stay two filters.
    expect(await forHcp().ofAge(30).dateOfBirthBetween(19900101, 19991231).build()).toEqual({
      $type: 'IntersectionFilter',
      filters: [ofAge(19930718, 19940717), ofAge(19900101, 19991231)],
    })
    expect(warn).not.toHaveBeenCalled()

    expect(NoOpFilter.isNoOp(await forHcp().ofAge(30).ofAge(31).build())).toBe(true)
    expect(NoOpFilter.isNoOp(await forHcp().withSsins(['a']).byIds(['p']).withSsins(['b']).build())).toBe(
      true,
    )
    expect(warn).toHaveBeenCalledTimes(2)
    expect(warn).toHaveBeenCalledWith(
      'Warning: the filter you built cannot be resolved and will return no entity',
    )
  })

  it('puts the sort key first, and starts an id intersection from it', async () => {
    // The documentation's use: patients of a gender, sorted by date of birth.
    expect(
      await forHcp()
        .byGenderEducationProfession('female')
        .sort.dateOfBirthBetween(19000101, 20991231)
        .build(),
    ).toEqual({
      $type: 'IntersectionFilter',
      filters: [
        ofAge(19000101, 20991231),
        {
          $type: 'PatientByHealthcarePartyGenderEducationProfessionFilter',
          healthcarePartyId: 'hcp-1',
          gender: 'female',
        },
      ],
    })
    expect(await forHcp().byIds(['a', 'b', 'c']).sort.byIds(['c', 'b', 'x', 'a']).build()).toEqual({
      $type: 'PatientByIdsFilter',
      ids: ['c', 'b', 'a'],
    })
    const sorted = forHcp().containsFuzzy('a').sort.containsFuzzy('b')
    expect(await sorted.getDataOwner()).toBe('hcp-1')
    expect(await sorted.build()).toEqual({ $type: 'IntersectionFilter', filters: [fuzzy('b'), fuzzy('a')] })
    for (const [name, add] of [
      ['byIds', (b: ReturnType<typeof forHcp>) => b.sort.byIds(['p'])],
      ['byIdentifiers', (b: ReturnType<typeof forHcp>) => b.sort.byIdentifiers([])],
      [
        'byGenderEducationProfession',
        (b: ReturnType<typeof forHcp>) => b.sort.byGenderEducationProfession('male'),
      ],
      ['withSsins', (b: ReturnType<typeof forHcp>) => b.sort.withSsins(['s'])],
      ['ofAge', (b: ReturnType<typeof forHcp>) => b.sort.ofAge(3)],
    ] as const) {
      const built = (await add(forHcp().containsFuzzy('z')).build()) as unknown as {
        filters: { $type: string }[]
      }
      expect(
        built.filters.map((f) => f.$type),
        name,
      ).toHaveLength(2)
      expect(built.filters[1], name).toEqual(fuzzy('z'))
    }
  })

  it('copies the lists it is given, and says when a list is not one', async () => {
    const ids = ['a']
    const builder = forHcp().byIds(ids)
    ids.push('b')
    expect(await builder.build()).toEqual({ $type: 'PatientByIdsFilter', ids: ['a'] })
    expect(() => forHcp().withSsins('123' as unknown as string[])).toThrow(
      'PatientFilter.withSsins(ssins) needs an array, got string',
    )
  })
})
