import { SdkError } from '../http/sdk-error.ts'
import type { Identifier, Patient, PatientGenderEnum } from '../models/index.ts'
import type {
  PatientByHealthcarePartyDateOfBirthBetweenFilter,
  PatientByHealthcarePartyFilter,
  PatientByHealthcarePartyGenderEducationProfessionFilter,
  PatientByHealthcarePartyIdentifiersFilter,
  PatientByHealthcarePartyNameContainsFuzzyFilter,
  PatientByHealthcarePartySsinsFilter,
  PatientByIdsFilter,
} from './concrete-filters.ts'
import type { Filter } from './filter.ts'
import { FilterAccumulator } from './filter-accumulator.ts'
import { dataOwnerIdFor, type FilterApi } from './filter-api.ts'
import { DataOwnerFilterBuilder, SortableFilterBuilder } from './filter-builder.ts'
import { definedFields, listOf } from './filter-fields.ts'
import { dateOfBirthRangeOfAge } from './of-age.ts'
import { sortStep } from './sort-step.ts'

/** The criteria of the patient builder, each returning `R`. */
export interface PatientCriteria<R> {
  byIds(ids: string[]): R
  byIdentifiers(identifiers: Identifier[]): R
  byGenderEducationProfession(gender: PatientGenderEnum, education?: string, profession?: string): R
  withSsins(ssins: string[]): R
  ofAge(age: number): R
  dateOfBirthBetween(from: number, to: number): R
  containsFuzzy(searchString: string): R
}

/** The builder after `sort.x(...)`: everything but `sort`, so one sort key per chain (as MedTech types it). */
export interface PatientFilterSorted extends PatientCriteria<PatientFilterWithDataOwner> {
  getDataOwner(): Promise<string>
  build(): Promise<Filter<Patient>>
}

/** The `sort` decorator of the patient builder: the same criteria, the one added marked as the sort key. */
export type PatientFilterSortStep = PatientCriteria<PatientFilterSorted>

/**
 * MedTech's `PatientFilter`: pick the data owner whose patients to search, `forDataOwner(id)` or
 * `forSelf()`, then add criteria and `build()`. Every filter but `byIds` embeds that data owner id, so
 * it only finds patients shared with it.
 */
export class PatientFilter extends DataOwnerFilterBuilder<Patient, PatientFilterWithDataOwner> {
  /** `api` gives the current user's data owner to `forSelf()`. */
  constructor(private readonly api: FilterApi) {
    super()
  }

  /** A builder of filters bound to this data owner id. */
  forDataOwner(dataOwnerId: string): PatientFilterWithDataOwner {
    return new PatientFilterWithDataOwner(dataOwnerIdFor(this.api, 'PatientFilter', dataOwnerId))
  }

  /** A builder of filters bound to the current user's data owner id (asked at once). */
  forSelf(): PatientFilterWithDataOwner {
    return new PatientFilterWithDataOwner(dataOwnerIdFor(this.api, 'PatientFilter'))
  }
}

/**
 * The patient filter builder bound to a data owner. Criteria accumulate as medtech-api.md §4.4
 * says: `byIds` and `withSsins` lists intersect, `ofAge` must agree, the others are each their own
 * filter; nothing added gives `PatientByHealthcarePartyFilter`, every patient the data owner can read.
 */
export class PatientFilterWithDataOwner
  extends SortableFilterBuilder<Patient, PatientFilterSortStep>
  implements PatientCriteria<PatientFilterWithDataOwner>
{
  readonly _builderAccumulator = new FilterAccumulator<Patient>()

  /** @internal Built by `PatientFilter.forDataOwner` / `forSelf`. */
  constructor(private readonly dataOwnerId: Promise<string>) {
    super()
    // A failed forSelf() is reported by build() and getDataOwner(), not as an unhandled rejection.
    dataOwnerId.catch(() => undefined)
  }

  /** The data owner id the filters are bound to. */
  getDataOwner(): Promise<string> {
    return this.dataOwnerId
  }

  /** Patients among these ids (the data owner is not part of this filter). */
  byIds(ids: string[]): PatientFilterWithDataOwner {
    const filter: PatientByIdsFilter = {
      $type: 'PatientByIdsFilter',
      ids: listOf(ids, 'PatientFilter.byIds(ids)'),
    }
    this._builderAccumulator.addByIds(filter, 'ids')
    return this
  }

  /** Patients having one of these identifiers (matched on system and value). */
  byIdentifiers(identifiers: Identifier[]): PatientFilterWithDataOwner {
    const list = listOf(identifiers, 'PatientFilter.byIdentifiers(identifiers)')
    this._builderAccumulator.addSimple(
      this.withDataOwner((healthcarePartyId): PatientByHealthcarePartyIdentifiersFilter => ({
        $type: 'PatientByHealthcarePartyIdentifiersFilter',
        healthcarePartyId,
        identifiers: list,
      })),
    )
    return this
  }

  /** Patients of a gender, and of an education and a profession when given. */
  byGenderEducationProfession(
    gender: PatientGenderEnum,
    education?: string,
    profession?: string,
  ): PatientFilterWithDataOwner {
    this._builderAccumulator.addSimple(
      this.withDataOwner((healthcarePartyId) =>
        definedFields<PatientByHealthcarePartyGenderEducationProfessionFilter>({
          $type: 'PatientByHealthcarePartyGenderEducationProfessionFilter',
          healthcarePartyId,
          gender,
          education,
          profession,
        }),
      ),
    )
    return this
  }

  /** Patients having one of these social security numbers. */
  withSsins(ssins: string[]): PatientFilterWithDataOwner {
    const list = listOf(ssins, 'PatientFilter.withSsins(ssins)')
    this._builderAccumulator.addByIds(
      this.withDataOwner((healthcarePartyId): PatientByHealthcarePartySsinsFilter => ({
        $type: 'PatientByHealthcarePartySsinsFilter',
        healthcarePartyId,
        ssins: list,
      })),
      'ssins',
    )
    return this
  }

  /**
   * Patients who are `age` full years old today (local time): a date-of-birth range computed now,
   * with the day of the month (MedTech's quirk 7, the day of the week, is fixed; see of-age.ts).
   * Several `ofAge` must agree, else nothing matches.
   */
  ofAge(age: number): PatientFilterWithDataOwner {
    if (!Number.isInteger(age) || age < 0) {
      throw new SdkError(
        'BAD_REQUEST',
        `ofAge(age) needs an age in full years (an integer ≥ 0), got ${String(age)}`,
      )
    }
    const range = dateOfBirthRangeOfAge(age)
    this._builderAccumulator.addSingleton(
      this.withDataOwner((healthcarePartyId): PatientByHealthcarePartyDateOfBirthBetweenFilter => ({
        $type: 'PatientByHealthcarePartyDateOfBirthBetweenFilter',
        healthcarePartyId,
        ...range,
      })),
    )
    return this
  }

  /** Patients born between two dates (YYYYMMDD, inclusive); in date-of-birth order. */
  dateOfBirthBetween(from: number, to: number): PatientFilterWithDataOwner {
    this._builderAccumulator.addSimple(
      this.withDataOwner((healthcarePartyId) =>
        definedFields<PatientByHealthcarePartyDateOfBirthBetweenFilter>({
          $type: 'PatientByHealthcarePartyDateOfBirthBetweenFilter',
          healthcarePartyId,
          minDateOfBirth: from,
          maxDateOfBirth: to,
        }),
      ),
    )
    return this
  }

  /** Patients whose first, last, maiden or spouse name contains the search string (case and accents ignored). */
  containsFuzzy(searchString: string): PatientFilterWithDataOwner {
    this._builderAccumulator.addSimple(
      this.withDataOwner((healthcarePartyId) =>
        definedFields<PatientByHealthcarePartyNameContainsFuzzyFilter>({
          $type: 'PatientByHealthcarePartyNameContainsFuzzyFilter',
          healthcarePartyId,
          searchString,
        }),
      ),
    )
    return this
  }

  /** Adds the next criterion as the sort key: its filter comes first, and the results follow its order. */
  get sort(): PatientFilterSortStep {
    return sortStep<PatientFilterSortStep>(this, this._builderAccumulator, [
      'byIds',
      'byIdentifiers',
      'byGenderEducationProfession',
      'withSsins',
      'ofAge',
      'dateOfBirthBetween',
      'containsFuzzy',
    ])
  }

  /** The filter of the criteria added so far; `PatientByHealthcarePartyFilter` when there are none. */
  build(): Promise<Filter<Patient>> {
    return this._builderAccumulator.build(async (): Promise<PatientByHealthcarePartyFilter> => ({
      $type: 'PatientByHealthcarePartyFilter',
      healthcarePartyId: await this.dataOwnerId,
    }))
  }

  /** A filter made once the data owner id is known. */
  private withDataOwner<F extends Filter<Patient>>(make: (dataOwnerId: string) => F): Promise<F> {
    return this.dataOwnerId.then(make)
  }
}
