import { Notification, NotificationTypeEnum, Property } from '../models/index.ts'

/** Property ids of a KEY_PAIR_UPDATE notification (MedTech's names, medtech-api.md §7). */
export const DATA_OWNER_CONCERNED_ID = 'dataOwnerConcernedId'
export const DATA_OWNER_CONCERNED_PUB_KEY = 'dataOwnerConcernedPubKey'

/** What a KEY_PAIR_UPDATE notification asks: give access back to this data owner's new public key. */
export interface KeyPairUpdateRequest {
  /** The data owner that made a new key pair (`dataOwnerConcernedId`). */
  dataOwnerConcernedId: string
  /** Its new public key, hex SPKI (`dataOwnerConcernedPubKey`). */
  dataOwnerConcernedPubKey: string
}

/** The STRING value of the property `id`, if the notification has one (medtech-api.md §7). */
function stringProperty(notification: Notification, id: string): string | undefined {
  const value = notification.properties?.find((p) => p?.id === id)?.typedValue
  if (!value || (value.type !== undefined && value.type !== 'STRING')) return undefined
  return typeof value.stringValue === 'string' && value.stringValue.length > 0 ? value.stringValue : undefined
}

/**
 * The request a KEY_PAIR_UPDATE notification carries, read from its two STRING properties
 * `dataOwnerConcernedId` and `dataOwnerConcernedPubKey` (MedTech's names, medtech-api.md §7), for the
 * recipient to answer with `dataOwnerApi.giveAccessBackTo(dataOwnerConcernedId, dataOwnerConcernedPubKey)`.
 * Undefined for a notification of another type, or one without both values (e.g. its properties,
 * which are encrypted, were not shared with the reader). Pure: it reads the model and nothing else;
 * whether to trust the key is `giveAccessBackTo`'s decision.
 */
export function keyPairUpdateRequestOf(notification: Notification): KeyPairUpdateRequest | undefined {
  if (notification?.type !== NotificationTypeEnum.KEY_PAIR_UPDATE) return undefined
  const dataOwnerConcernedId = stringProperty(notification, DATA_OWNER_CONCERNED_ID)
  const dataOwnerConcernedPubKey = stringProperty(notification, DATA_OWNER_CONCERNED_PUB_KEY)
  return dataOwnerConcernedId && dataOwnerConcernedPubKey
    ? { dataOwnerConcernedId, dataOwnerConcernedPubKey }
    : undefined
}

/** A STRING property as MedTech writes it. */
function stringPropertyOf(id: string, value: string): Property {
  return new Property({
    id,
    type: { identifier: id, type: 'STRING' },
    typedValue: { type: 'STRING', stringValue: value },
  })
}

/**
 * The KEY_PAIR_UPDATE request of `ownerId` for its new public key (hex SPKI), as MedTech writes it:
 * pending, with the two STRING properties {@link keyPairUpdateRequestOf} reads.
 */
export function keyPairUpdateNotification(ownerId: string, newPublicKey: string): Notification {
  return new Notification({
    id: globalThis.crypto.randomUUID(),
    status: 'pending',
    type: NotificationTypeEnum.KEY_PAIR_UPDATE,
    properties: [
      stringPropertyOf(DATA_OWNER_CONCERNED_ID, ownerId),
      stringPropertyOf(DATA_OWNER_CONCERNED_PUB_KEY, newPublicKey),
    ],
  })
}
