import type { DataSample, Identifier, PotentiallyEncryptedPatient } from '../models/index.ts'
import type {
  DataSampleByHealthcarePartyFilter,
  DataSampleByHealthcarePartyHealthcareElementIdsFilter,
  DataSampleByHealthcarePartyIdentifiersFilter,
  DataSampleByHealthcarePartyPatientFilter,
  DataSampleByHealthcarePartyTagCodeDateFilter,
  DataSampleByIdsFilter,
} from './concrete-filters.ts'
import type { Filter } from './filter.ts'
import { FilterAccumulator } from './filter-accumulator.ts'
import { dataOwnerIdFor, patientSecretIds, type FilterApi } from './filter-api.ts'
import { DataOwnerFilterBuilder, SortableFilterBuilder } from './filter-builder.ts'
import { definedFields, listOf, requireCriterion } from './filter-fields.ts'
import { sortStep } from './sort-step.ts'

/** The criteria of the data sample builder, each returning `R`. */
export interface DataSampleCriteria<R> {
  byIds(ids: string[]): R
  byIdentifiers(identifiers: Identifier[]): R
  byLabelCodeDateFilter(
    tagType?: string,
    tagCode?: string,
    codeType?: string,
    codeCode?: string,
    startValueDate?: number,
    endValueDate?: number,
    descending?: boolean,
  ): R
  forPatients(patients: PotentiallyEncryptedPatient[]): R
  byHealthElementIds(byHealthElementIds: string[]): R
}

/** The builder after `sort.x(...)`: everything but `sort`, so one sort key per chain. */
export interface DataSampleFilterSorted extends DataSampleCriteria<DataSampleFilterWithDataOwner> {
  getDataOwner(): Promise<string>
  build(): Promise<Filter<DataSample>>
}

/** The `sort` decorator of the data sample builder: the same criteria, the one added marked as the sort key. */
export type DataSampleFilterSortStep = DataSampleCriteria<DataSampleFilterSorted>

/** MedTech's message when `byLabelCodeDateFilter` is given none of its first six arguments. */
const NO_LABEL_CODE_DATE = 'At least one parameter must be specified'

/**
 * MedTech's `DataSampleFilter`: pick the data owner, `forDataOwner(id)` or `forSelf()`, then add
 * criteria and `build()`. Every filter but `byIds` embeds that data owner id, so it only finds samples
 * shared with it.
 */
export class DataSampleFilter extends DataOwnerFilterBuilder<DataSample, DataSampleFilterWithDataOwner> {
  /** `api` gives the current user's data owner to `forSelf()` and the patients' secret ids to `forPatients`. */
  constructor(private readonly api: FilterApi) {
    super()
  }

  /** A builder of filters bound to this data owner id. */
  forDataOwner(dataOwnerId: string): DataSampleFilterWithDataOwner {
    return new DataSampleFilterWithDataOwner(
      this.api,
      dataOwnerIdFor(this.api, 'DataSampleFilter', dataOwnerId),
    )
  }

  /** A builder of filters bound to the current user's data owner id (asked at once). */
  forSelf(): DataSampleFilterWithDataOwner {
    return new DataSampleFilterWithDataOwner(this.api, dataOwnerIdFor(this.api, 'DataSampleFilter'))
  }
}

/**
 * The data sample filter builder bound to a data owner. Criteria accumulate as medtech-api.md
 * §4.4 says: `byIds`, `forPatients` and `byHealthElementIds` lists intersect, the others are each
 * their own filter; nothing added gives `DataSampleByHealthcarePartyFilter`, every sample the data
 * owner can read.
 */
export class DataSampleFilterWithDataOwner
  extends SortableFilterBuilder<DataSample, DataSampleFilterSortStep>
  implements DataSampleCriteria<DataSampleFilterWithDataOwner>
{
  readonly _builderAccumulator = new FilterAccumulator<DataSample>()

  /** @internal Built by `DataSampleFilter.forDataOwner` / `forSelf`. */
  constructor(
    private readonly api: FilterApi,
    private readonly dataOwnerId: Promise<string>,
  ) {
    super()
    // A failed forSelf() is reported by build() and getDataOwner(), not as an unhandled rejection.
    dataOwnerId.catch(() => undefined)
  }

  /** The data owner id the filters are bound to. */
  getDataOwner(): Promise<string> {
    return this.dataOwnerId
  }

  /** Data samples among these ids (the data owner is not part of this filter). */
  byIds(ids: string[]): DataSampleFilterWithDataOwner {
    const filter: DataSampleByIdsFilter = {
      $type: 'DataSampleByIdsFilter',
      ids: listOf(ids, 'DataSampleFilter.byIds(ids)'),
    }
    this._builderAccumulator.addByIds(filter, 'ids')
    return this
  }

  /** Data samples having one of these identifiers (matched on system and value). */
  byIdentifiers(identifiers: Identifier[]): DataSampleFilterWithDataOwner {
    const list = listOf(identifiers, 'DataSampleFilter.byIdentifiers(identifiers)')
    this._builderAccumulator.addSimple(
      this.withDataOwner((healthcarePartyId): DataSampleByHealthcarePartyIdentifiersFilter => ({
        $type: 'DataSampleByHealthcarePartyIdentifiersFilter',
        healthcarePartyId,
        identifiers: list,
      })),
    )
    return this
  }

  /**
   * Data samples with this label (tag) and/or code whose value date lies between the two dates
   * (fuzzy dates, inclusive), in value-date order (`descending`, default false, reverses it). Throws
   * at once, with MedTech's message, if none of the first six arguments is given.
   */
  byLabelCodeDateFilter(
    tagType?: string,
    tagCode?: string,
    codeType?: string,
    codeCode?: string,
    startValueDate?: number,
    endValueDate?: number,
    descending?: boolean,
  ): DataSampleFilterWithDataOwner {
    requireCriterion([tagType, tagCode, codeType, codeCode, startValueDate, endValueDate], NO_LABEL_CODE_DATE)
    this._builderAccumulator.addSimple(
      this.withDataOwner((healthcarePartyId) =>
        definedFields<DataSampleByHealthcarePartyTagCodeDateFilter>({
          $type: 'DataSampleByHealthcarePartyTagCodeDateFilter',
          healthcarePartyId,
          tagType,
          tagCode,
          codeType,
          codeCode,
          startValueDate,
          endValueDate,
          descending: descending ?? false,
        }),
      ),
    )
    return this
  }

  /**
   * Data samples of these patients: those linked to a secret id of theirs that the current user can
   * read (a sample linked with a secret id the user cannot read is not found until the patient is
   * shared with it).
   */
  forPatients(patients: PotentiallyEncryptedPatient[]): DataSampleFilterWithDataOwner {
    const secretIds = patientSecretIds(this.api, 'DataSampleFilter', patients)
    this._builderAccumulator.addByIds(
      Promise.all([this.dataOwnerId, secretIds]).then(
        ([healthcarePartyId, patientSecretForeignKeys]): DataSampleByHealthcarePartyPatientFilter => ({
          $type: 'DataSampleByHealthcarePartyPatientFilter',
          healthcarePartyId,
          patientSecretForeignKeys,
        }),
      ),
      'patientSecretForeignKeys',
    )
    return this
  }

  /** Data samples linked to one of these healthcare elements. */
  byHealthElementIds(byHealthElementIds: string[]): DataSampleFilterWithDataOwner {
    const list = listOf(byHealthElementIds, 'DataSampleFilter.byHealthElementIds(ids)')
    this._builderAccumulator.addByIds(
      this.withDataOwner((healthcarePartyId): DataSampleByHealthcarePartyHealthcareElementIdsFilter => ({
        $type: 'DataSampleByHealthcarePartyHealthcareElementIdsFilter',
        healthcarePartyId,
        healthcareElementIds: list,
      })),
      'healthcareElementIds',
    )
    return this
  }

  /** Adds the next criterion as the sort key: its filter comes first, and the results follow its order. */
  get sort(): DataSampleFilterSortStep {
    return sortStep<DataSampleFilterSortStep>(this, this._builderAccumulator, [
      'byIds',
      'byIdentifiers',
      'byLabelCodeDateFilter',
      'forPatients',
      'byHealthElementIds',
    ])
  }

  /** The filter of the criteria added so far; `DataSampleByHealthcarePartyFilter` when there are none. */
  build(): Promise<Filter<DataSample>> {
    return this._builderAccumulator.build(async (): Promise<DataSampleByHealthcarePartyFilter> => ({
      $type: 'DataSampleByHealthcarePartyFilter',
      hcpId: await this.dataOwnerId,
    }))
  }

  /** A filter made once the data owner id is known. */
  private withDataOwner<F extends Filter<DataSample>>(make: (dataOwnerId: string) => F): Promise<F> {
    return this.dataOwnerId.then(make)
  }
}
