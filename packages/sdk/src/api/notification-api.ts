import { canonicalJson } from '@cairn/crypto'
import {
  type Connection,
  type MaintenanceTaskStatusEnum,
  Notification,
  NotificationTypeEnum,
  PaginatedListNotification,
} from '../models/index.ts'
import { SdkError } from '../http/sdk-error.ts'
import { metaToWire } from '../mappers/wire.ts'
import type { Filter } from '../filter/filter.ts'
import { requireSelf, type ApiContext } from './api-context.ts'
import { EncryptedEntityStore } from './encrypted-entity-store.ts'
import { ENTITY_KINDS } from './entity-models.ts'
import { deleteEntities } from './entity-deletion.ts'
import { filterEntities, matchEntities } from './search.ts'
import { keyPairUpdateNotification } from './key-pair-update-request.ts'
import { filterToDto } from '../mappers/filter-mapper.ts'
import { subscribe } from '../realtime/subscribe.ts'
import { openEventEntity } from '../realtime/entity-event.ts'
import type { SubscriptionOptions } from '../realtime/subscription-options.ts'

/** MedTech's message when a notification is created without the data owner it is for. */
const NO_DELEGATE =
  'No delegate provided for Notification creation. You must provide a delegate to create a Notification. The delegate is the id of the data owner you want to notify.'

/**
 * Fields an update must leave as stored, in the order MedTech checks them, with its messages (the
 * author's has two spaces, as in MedTech). Only `status`, `identifiers` and `properties` are editable.
 */
const FROZEN_FIELDS = [
  ['rev', 'Cannot modify rev field'],
  ['created', 'Cannot modify created field'],
  ['endOfLife', 'Cannot modify endOfLife field'],
  ['deletionDate', 'Cannot modify deletionDate field'],
  ['modified', 'Cannot modify modified field'],
  ['author', 'Cannot modify  author field'],
  ['responsible', 'Cannot modify responsible field'],
  ['type', 'Cannot modify type field'],
] as const

/** A stored field as compared: null and absent are the same. */
const fieldOf = (n: Notification, field: (typeof FROZEN_FIELDS)[number][0]): unknown => n[field] ?? undefined

/** The metadata of a notification as compared: its wire form (what this reader found of it left out). */
const metaOf = (n: Notification): string | undefined => {
  const meta = metaToWire(n.systemMetaData)
  return meta === undefined ? undefined : canonicalJson(meta)
}

/**
 * MedTech `NotificationApi`: notifications (MedTech's name for iCure maintenance tasks) from one data
 * owner to another, e.g. "give me access to my data" or "I have a new key pair". `properties` are
 * encrypted; `type`, `status`, `identifiers` and the dates are clear, for the server's filters. The
 * creator and the data owners it is shared with read, modify and delete it; deletion is soft (the
 * notification stays, with `deletionDate` set).
 */
export class NotificationApi {
  private readonly store: EncryptedEntityStore<Notification>

  constructor(private readonly ctx: ApiContext) {
    this.store = new EncryptedEntityStore(ctx, ENTITY_KINDS.notification, { keepWithheld: true })
  }

  /**
   * A KEY_PAIR_UPDATE request whose content this data owner cannot open, because its writer's key is
   * the very new key it announces (not trusted here yet), gets its two properties from the
   * responsible data owner's published keys that are not trusted yet: the encrypted copy would prove
   * no more, being signed by that same key. Trusting the key is `giveAccessBackTo`'s decision, through
   * the crypto strategies. The notification stays marked `contentWithheld`.
   */
  private async completed(n: Notification): Promise<Notification> {
    if (
      n.type !== NotificationTypeEnum.KEY_PAIR_UPDATE ||
      !n.systemMetaData?.contentWithheld ||
      !n.responsible ||
      // Never about the reader's own keys: those are trusted only through statements its own keys sign.
      n.responsible === this.ctx.selfId ||
      (n.properties?.length ?? 0) > 0 ||
      !this.ctx.keyTrust
    )
      return n
    const unverified = (await this.ctx.keyTrust.keysOf(n.responsible)).refused
    const newest = unverified[unverified.length - 1]
    if (newest) {
      n.properties = keyPairUpdateNotification(n.responsible, newest.publicKeyHex).properties
      this.filled.add(n)
    }
    return n
  }

  /** Notifications whose properties {@link completed} filled: a modify keeps the stored ones. */
  private readonly filled = new WeakSet<Notification>()

  /**
   * Creates a notification shared with exactly `delegates` (not the user's auto-delegates): the
   * KEY_PAIR_UPDATE requests of a lost-key login, each for one counterpart only. @internal
   */
  async createFor(notification: Notification, delegates: readonly string[]): Promise<Notification> {
    const [created] = await this.store.create([notification], undefined, [...delegates])
    return created
  }

  /**
   * Creates a notification for `delegate` (no `rev`) or modifies one (`rev`), as MedTech does.
   *
   * Create: `delegate` is required; the notification is shared with it and with the user's
   * `sharingDataWith.all` (not `medicalInformation`: a notification is not medical data), status
   * `pending` unless given; the server sets `author` (the user), `responsible` (its data owner; naming
   * another is refused with a 403) and `created`.
   *
   * Modify: the stored notification is read first and the update refused, with MedTech's messages, if
   * it changes anything but `status`, `identifiers` and `properties` (a stale `rev` is `Cannot modify rev
   * field`, code CONFLICT; a write racing another still gets the server's 409). `delegate` is ignored.
   */
  async createOrModifyNotification(
    notification: Notification,
    delegate?: string,
  ): Promise<Notification | undefined> {
    const n = notification instanceof Notification ? notification : new Notification(notification)
    return n.rev ? this.modify(n) : this.create(n, delegate)
  }

  /** A notification the current data owner created or that was shared with it (rejects otherwise, 404). */
  async getNotification(notificationId: string): Promise<Notification | undefined> {
    return this.completed((await this.store.get(notificationId)).model)
  }

  /**
   * Deletes a notification (softly: `getNotification` still answers it, with `deletionDate` set) and
   * returns its id, as MedTech does (quirk 4 kept). Deleting it again changes nothing.
   */
  async deleteNotification(notificationId: string): Promise<string | undefined> {
    const [deleted] = await deleteEntities(this.ctx, 'notification', [notificationId])
    return deleted?.id
  }

  /** Deletes notifications (softly; up to 100 per transaction, all or none) and returns their ids. */
  async deleteNotifications(notificationIds: string[]): Promise<string[]> {
    if (notificationIds.length === 0) return []
    return (await deleteEntities(this.ctx, 'notification', notificationIds)).map((d) => d.id)
  }

  /** One page of the notifications matching `filter` (filter objects or the NotificationFilter DSL). */
  async filterNotifications(
    filter: Filter<Notification>,
    nextNotificationId?: string,
    limit?: number,
  ): Promise<PaginatedListNotification> {
    const page = await filterEntities(
      this.store,
      'Notification',
      PaginatedListNotification,
      filter,
      nextNotificationId,
      limit,
    )
    page.rows = await Promise.all(page.rows.map((n) => this.completed(n)))
    return page
  }

  /** Ids of every notification matching `filter` that the current data owner may read. */
  matchNotifications(filter: Filter<Notification>): Promise<string[]> {
    return matchEntities(this.store, 'Notification', filter)
  }

  /**
   * The pending notifications of the current data owner created after `fromDate` (epoch ms, exclusive),
   * newest first, from every page. Without a date, every pending notification (MedTech's behaviour,
   * quirk 8 kept: its documentation said "the last 30 days"). Soft-deleted notifications are left out:
   * a deleted request is not pending any more, whatever its status says.
   */
  async getPendingNotificationsAfter(fromDate?: number): Promise<Notification[]> {
    const { selfId } = requireSelf(this.ctx)
    const all = await this.store.all({
      $type: 'NotificationsAfterDateFilter',
      healthcarePartyId: selfId,
      date: fromDate ?? 0,
    })
    const pending = all.filter((n) => n.status === 'pending' && n.deletionDate === undefined)
    return Promise.all(pending.map((n) => this.completed(n)))
  }

  /**
   * Sets the status of a notification and saves it: **mutates** `notification.status`, then modifies
   * it as {@link createOrModifyNotification} does (so it needs the current `rev`). Once saved, the
   * given notification also gets the new `rev`, `modified` and metadata, so that the same object can be
   * updated again (`'ongoing'`, then `'completed'`, as MedTech's §5.4 shows).
   */
  async updateNotificationStatus(
    notification: Notification,
    newStatus: MaintenanceTaskStatusEnum,
  ): Promise<Notification | undefined> {
    notification.status = newStatus
    const saved = await this.createOrModifyNotification(notification)
    if (saved && notification instanceof Notification && saved.id === notification.id) {
      notification.rev = saved.rev
      notification.modified = saved.modified
      notification.systemMetaData = saved.systemMetaData
    }
    return saved
  }

  /**
   * Every notification matching `filter`, page after page of `limit` from `nextId`, appended to `acc`
   * (MedTech's implementation helper, which its tests use to check paging).
   */
  async concatenateFilterResults(
    filter: Filter<Notification>,
    nextId?: string,
    limit?: number,
    acc: Notification[] = [],
  ): Promise<Notification[]> {
    let start = nextId
    for (;;) {
      const page = await this.filterNotifications(filter, start, limit)
      acc.push(...page.rows)
      start = page.nextKeyPair?.startKeyDocId
      if (!start) return acc
    }
  }

  /**
   * Realtime notification events (MedTech §2.11, docs/realtime.md): `eventFired` gets each created,
   * modified or (softly) deleted notification the current data owner created or was sent, that
   * `filter` (the filter objects of {@link filterNotifications}; undefined: every one) matches, read as
   * {@link getNotification} reads it, one at a time in order. Resolves once the subscription is live;
   * reconnects after a lost connection and replays what was missed.
   */
  async subscribeToNotificationEvents(
    eventTypes: ('CREATE' | 'UPDATE' | 'DELETE')[],
    filter: Filter<Notification> | undefined,
    eventFired: (notification: Notification) => Promise<void>,
    options: SubscriptionOptions = {},
  ): Promise<Connection> {
    requireSelf(this.ctx)
    return subscribe(this.ctx.http, {
      entityType: 'notification',
      eventTypes,
      filter: filter === undefined ? undefined : filterToDto(filter, 'Notification'),
      eventFired,
      options,
      decode: async (event) =>
        this.completed((await openEventEntity(this.store, 'notification', event)).model),
    })
  }

  /** Creates a notification shared with `delegate` and the user's `sharingDataWith.all`. */
  private async create(n: Notification, delegate: string | undefined): Promise<Notification> {
    if (typeof delegate !== 'string' || delegate.length === 0) throw new SdkError('BAD_REQUEST', NO_DELEGATE)
    const { selfId } = requireSelf(this.ctx)
    const delegates = new Set([delegate, ...(this.ctx.user.sharingDataWith.all ?? [])])
    delegates.delete(selfId)
    const prepared = new Notification({ ...n, status: n.status ?? 'pending' })
    const [created] = await this.store.create([prepared], undefined, [...delegates])
    return created
  }

  /** Modifies a notification after checking, against the stored one, that only editable fields changed. */
  private async modify(n: Notification): Promise<Notification> {
    if (!n.id) throw new SdkError('BAD_REQUEST', 'Invalid notification')
    let stored: Notification
    try {
      stored = (await this.store.get(n.id)).model
    } catch (e) {
      if (e instanceof SdkError && e.status === 404)
        throw new SdkError('NOT_FOUND', 'Cannot modify a non-existing Notification', {
          status: 404,
          requestId: e.requestId,
          url: e.url,
          serverMessage: e.serverMessage,
          cause: e,
        })
      throw e
    }
    for (const [field, message] of FROZEN_FIELDS) {
      if (fieldOf(n, field) !== fieldOf(stored, field))
        throw new SdkError(field === 'rev' ? 'CONFLICT' : 'BAD_REQUEST', message)
    }
    if (metaOf(n) !== metaOf(stored)) throw new SdkError('BAD_REQUEST', 'Cannot modify systemMetaData field')
    // Properties this SDK filled in from published keys are not the sender's: the stored ones stay.
    if (this.filled.has(n)) n.properties = stored.properties
    const [modified] = await this.store.modify([n])
    return modified
  }
}
