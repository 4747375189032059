import type { Notification, NotificationTypeEnum } from '../models/index.ts'
import { SdkError } from '../http/sdk-error.ts'
import type {
  NotificationsAfterDateFilter,
  NotificationsByHcPartyAndTypeFilter,
  NotificationsByIdFilter,
} from './concrete-filters.ts'
import type { Filter } from './filter.ts'
import { FilterAccumulator } from './filter-accumulator.ts'
import { dataOwnerIdFor, type FilterApi } from './filter-api.ts'
import { DataOwnerFilterBuilder, SortableFilterBuilder } from './filter-builder.ts'
import { listOf } from './filter-fields.ts'
import { sortStep } from './sort-step.ts'

/** The criteria of the notification builder, each returning `R`. */
export interface NotificationCriteria<R> {
  byIds(ids: string[]): R
  withType(type: NotificationTypeEnum): R
  afterDate(fromDate: number): R
}

/** The builder after `sort.x(...)`: everything but `sort`, so one sort key per chain. */
export interface NotificationFilterSorted extends NotificationCriteria<NotificationFilterWithDataOwner> {
  getDataOwner(): Promise<string>
  build(): Promise<Filter<Notification>>
}

/** The `sort` decorator of the notification builder: the same criteria, the one added marked as the sort key. */
export type NotificationFilterSortStep = NotificationCriteria<NotificationFilterSorted>

/**
 * MedTech's `NotificationFilter`: pick the data owner, `forDataOwner(id)` or `forSelf()`, then add
 * criteria and `build()`. `withType` and `afterDate` embed that data owner id (the server refuses
 * another data owner's); `byIds` does not. Whatever the filter, only notifications the caller created
 * or that were shared with it are found.
 */
export class NotificationFilter extends DataOwnerFilterBuilder<
  Notification,
  NotificationFilterWithDataOwner
> {
  /** `api` gives the current user's data owner to `forSelf()` (unused by `forDataOwner`). */
  constructor(private readonly api?: FilterApi) {
    super()
  }

  /** A builder of filters bound to this data owner id. */
  forDataOwner(dataOwnerId: string): NotificationFilterWithDataOwner {
    return new NotificationFilterWithDataOwner(dataOwnerIdFor(this.api, 'NotificationFilter', dataOwnerId))
  }

  /** A builder of filters bound to the current user's data owner id (asked at once). */
  forSelf(): NotificationFilterWithDataOwner {
    return new NotificationFilterWithDataOwner(dataOwnerIdFor(this.api, 'NotificationFilter'))
  }
}

/**
 * The notification filter builder bound to a data owner. Criteria accumulate as medtech-api.md §4.4
 * says: `byIds` lists intersect; `withType` and `afterDate` are singletons (two different types, or
 * two different dates, match nothing: a NoOpFilter); nothing added gives
 * `NotificationsAfterDateFilter{healthcarePartyId, date: 0}`, every notification of the data owner.
 */
export class NotificationFilterWithDataOwner
  extends SortableFilterBuilder<Notification, NotificationFilterSortStep>
  implements NotificationCriteria<NotificationFilterWithDataOwner>
{
  readonly _builderAccumulator = new FilterAccumulator<Notification>()

  /** @internal Built by `NotificationFilter.forDataOwner` / `forSelf`. */
  constructor(private readonly dataOwnerId: Promise<string>) {
    super()
    // A failed forSelf() is reported by build() and getDataOwner(), not as an unhandled rejection.
    dataOwnerId.catch(() => undefined)
  }

  /** The data owner id the filters are bound to. */
  getDataOwner(): Promise<string> {
    return this.dataOwnerId
  }

  /** Notifications among these ids (the data owner is not part of this filter). */
  byIds(ids: string[]): NotificationFilterWithDataOwner {
    const filter: NotificationsByIdFilter = {
      $type: 'NotificationsByIdFilter',
      ids: listOf(ids, 'NotificationFilter.byIds(ids)'),
    }
    this._builderAccumulator.addByIds(filter, 'ids')
    return this
  }

  /** Notifications of this type (`NotificationTypeEnum`). */
  withType(type: NotificationTypeEnum): NotificationFilterWithDataOwner {
    this._builderAccumulator.addSingleton(
      this.dataOwnerId.then((healthcarePartyId): NotificationsByHcPartyAndTypeFilter => ({
        $type: 'NotificationsByHcPartyAndTypeFilter',
        healthcarePartyId,
        type,
      })),
    )
    return this
  }

  /** Notifications created strictly after `fromDate` (epoch ms), newest first. Throws at once for a non-number. */
  afterDate(fromDate: number): NotificationFilterWithDataOwner {
    if (typeof fromDate !== 'number' || !Number.isFinite(fromDate))
      throw new SdkError(
        'BAD_REQUEST',
        `NotificationFilter.afterDate(fromDate) needs a date in epoch milliseconds, got ${String(fromDate)}`,
      )
    this._builderAccumulator.addSingleton(
      this.dataOwnerId.then((healthcarePartyId): NotificationsAfterDateFilter => ({
        $type: 'NotificationsAfterDateFilter',
        healthcarePartyId,
        date: fromDate,
      })),
    )
    return this
  }

  /** Adds the next criterion as the sort key: its filter comes first, and the results follow its order. */
  get sort(): NotificationFilterSortStep {
    return sortStep<NotificationFilterSortStep>(this, this._builderAccumulator, [
      'byIds',
      'withType',
      'afterDate',
    ])
  }

  /** The filter of the criteria added so far; every notification of the data owner when there are none. */
  build(): Promise<Filter<Notification>> {
    return this._builderAccumulator.build(async (): Promise<NotificationsAfterDateFilter> => ({
      $type: 'NotificationsAfterDateFilter',
      healthcarePartyId: await this.dataOwnerId,
      date: 0,
    }))
  }
}
