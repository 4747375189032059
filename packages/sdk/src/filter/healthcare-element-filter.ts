import type { HealthcareElement, Identifier, PotentiallyEncryptedPatient } from '../models/index.ts'
import type {
  HealthcareElementByHealthcarePartyFilter,
  HealthcareElementByHealthcarePartyIdentifiersFilter,
  HealthcareElementByHealthcarePartyLabelCodeFilter,
  HealthcareElementByHealthcarePartyPatientFilter,
  HealthcareElementByIdsFilter,
} from './concrete-filters.ts'
import type { Filter } from './filter.ts'
import { FilterAccumulator } from './filter-accumulator.ts'
import { dataOwnerIdFor, patientSecretIds, type FilterApi } from './filter-api.ts'
import { DataOwnerFilterBuilder, SortableFilterBuilder } from './filter-builder.ts'
import { definedFields, listOf, requireCriterion } from './filter-fields.ts'
import { sortStep } from './sort-step.ts'

/** The criteria of the healthcare element builder, each returning `R`. */
export interface HealthcareElementCriteria<R> {
  byIds(ids: string[]): R
  byIdentifiers(identifiers: Identifier[]): R
  byLabelCodeFilter(labelType?: string, labelCode?: string, codeType?: string, codeCode?: string): R
  forPatients(patients: PotentiallyEncryptedPatient[]): R
}

/** The builder after `sort.x(...)`: everything but `sort`, so one sort key per chain. */
export interface HealthcareElementFilterSorted extends HealthcareElementCriteria<HealthcareElementFilterWithDataOwner> {
  getDataOwner(): Promise<string>
  build(): Promise<Filter<HealthcareElement>>
}

/** The `sort` decorator of the healthcare element builder: the same criteria, the one added marked as the sort key. */
export type HealthcareElementFilterSortStep = HealthcareElementCriteria<HealthcareElementFilterSorted>

/**
 * MedTech's `HealthcareElementFilter`: pick the data owner, `forDataOwner(id)` or `forSelf()`, then
 * add criteria and `build()`. Every filter but `byIds` embeds that data owner id, so it only finds
 * healthcare elements shared with it.
 */
export class HealthcareElementFilter extends DataOwnerFilterBuilder<
  HealthcareElement,
  HealthcareElementFilterWithDataOwner
> {
  /** `api` gives the current user's data owner to `forSelf()` and the patients' secret ids to `forPatients`. */
  constructor(private readonly api: FilterApi) {
    super()
  }

  /** A builder of filters bound to this data owner id. */
  forDataOwner(dataOwnerId: string): HealthcareElementFilterWithDataOwner {
    return new HealthcareElementFilterWithDataOwner(
      this.api,
      dataOwnerIdFor(this.api, 'HealthcareElementFilter', dataOwnerId),
    )
  }

  /** A builder of filters bound to the current user's data owner id (asked at once). */
  forSelf(): HealthcareElementFilterWithDataOwner {
    return new HealthcareElementFilterWithDataOwner(
      this.api,
      dataOwnerIdFor(this.api, 'HealthcareElementFilter'),
    )
  }
}

/**
 * The healthcare element filter builder bound to a data owner. Criteria accumulate as
 * medtech-api.md §4.4 says: `byIds` and `forPatients` lists intersect, the others are each their
 * own filter; nothing added gives `HealthcareElementByHealthcarePartyFilter`, every healthcare element
 * the data owner can read.
 */
export class HealthcareElementFilterWithDataOwner
  extends SortableFilterBuilder<HealthcareElement, HealthcareElementFilterSortStep>
  implements HealthcareElementCriteria<HealthcareElementFilterWithDataOwner>
{
  readonly _builderAccumulator = new FilterAccumulator<HealthcareElement>()

  /** @internal Built by `HealthcareElementFilter.forDataOwner` / `forSelf`. */
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

  /** Healthcare elements among these ids (the data owner is not part of this filter). */
  byIds(ids: string[]): HealthcareElementFilterWithDataOwner {
    const filter: HealthcareElementByIdsFilter = {
      $type: 'HealthcareElementByIdsFilter',
      ids: listOf(ids, 'HealthcareElementFilter.byIds(ids)'),
    }
    this._builderAccumulator.addByIds(filter, 'ids')
    return this
  }

  /** Healthcare elements having one of these identifiers (matched on system and value). */
  byIdentifiers(identifiers: Identifier[]): HealthcareElementFilterWithDataOwner {
    const list = listOf(identifiers, 'HealthcareElementFilter.byIdentifiers(identifiers)')
    this._builderAccumulator.addSimple(
      this.withDataOwner((healthcarePartyId): HealthcareElementByHealthcarePartyIdentifiersFilter => ({
        $type: 'HealthcareElementByHealthcarePartyIdentifiersFilter',
        healthcarePartyId,
        identifiers: list,
      })),
    )
    return this
  }

  /**
   * Healthcare elements with this label (tag) and/or code. Unlike MedTech (quirk 6), the filter is
   * bound to the data owner like the others. Throws at once, with MedTech's message, if none of the
   * four is given.
   */
  byLabelCodeFilter(
    labelType?: string,
    labelCode?: string,
    codeType?: string,
    codeCode?: string,
  ): HealthcareElementFilterWithDataOwner {
    requireCriterion([labelType, labelCode, codeType, codeCode])
    this._builderAccumulator.addSimple(
      this.withDataOwner((healthcarePartyId) =>
        definedFields<HealthcareElementByHealthcarePartyLabelCodeFilter>({
          $type: 'HealthcareElementByHealthcarePartyLabelCodeFilter',
          healthcarePartyId,
          tagType: labelType,
          tagCode: labelCode,
          codeType,
          codeCode,
        }),
      ),
    )
    return this
  }

  /**
   * Healthcare elements of these patients: those linked to a secret id of theirs that the current
   * user can read (one linked with a secret id the user cannot read is not found until the patient is
   * shared with it).
   */
  forPatients(patients: PotentiallyEncryptedPatient[]): HealthcareElementFilterWithDataOwner {
    const secretIds = patientSecretIds(this.api, 'HealthcareElementFilter', patients)
    this._builderAccumulator.addByIds(
      Promise.all([this.dataOwnerId, secretIds]).then(
        ([healthcarePartyId, patientSecretForeignKeys]): HealthcareElementByHealthcarePartyPatientFilter => ({
          $type: 'HealthcareElementByHealthcarePartyPatientFilter',
          healthcarePartyId,
          patientSecretForeignKeys,
        }),
      ),
      'patientSecretForeignKeys',
    )
    return this
  }

  /** Adds the next criterion as the sort key: its filter comes first, and the results follow its order. */
  get sort(): HealthcareElementFilterSortStep {
    return sortStep<HealthcareElementFilterSortStep>(this, this._builderAccumulator, [
      'byIds',
      'byIdentifiers',
      'byLabelCodeFilter',
      'forPatients',
    ])
  }

  /** The filter of the criteria added so far; `HealthcareElementByHealthcarePartyFilter` when there are none. */
  build(): Promise<Filter<HealthcareElement>> {
    return this._builderAccumulator.build(async (): Promise<HealthcareElementByHealthcarePartyFilter> => ({
      $type: 'HealthcareElementByHealthcarePartyFilter',
      healthcarePartyId: await this.dataOwnerId,
    }))
  }

  /** A filter made once the data owner id is known. */
  private withDataOwner<F extends Filter<HealthcareElement>>(make: (dataOwnerId: string) => F): Promise<F> {
    return this.dataOwnerId.then(make)
  }
}
