import { Identifier } from './identifier.ts'
import {
  applyFields,
  marshalFields,
  wrapArray,
  wrapOptional,
  wrapOptionalArray,
  type Marshalled,
  type ModelInit,
} from './model-utils.ts'
import { Property } from './property.ts'
import { SystemMetaDataEncrypted } from './system-meta-data-encrypted.ts'

/**
 * The kinds of notification. A const object plus a string-union type, so that both
 * `NotificationTypeEnum.KEY_PAIR_UPDATE` and the plain string `'KEY_PAIR_UPDATE'` are accepted.
 */
export const NotificationTypeEnum = {
  KEY_PAIR_UPDATE: 'KEY_PAIR_UPDATE',
  NEW_USER_OWN_DATA_ACCESS: 'NEW_USER_OWN_DATA_ACCESS',
  OTHER: 'OTHER',
} as const

/** The kinds of notification (see the const object of the same name). */
export type NotificationTypeEnum = (typeof NotificationTypeEnum)[keyof typeof NotificationTypeEnum]

/** Members of {@link NotificationTypeEnum} usable as types, as with the original TypeScript enum. */
// A namespace is the only way to give the const object type members (`NotificationTypeEnum.X` as a type).
// eslint-disable-next-line @typescript-eslint/no-namespace
export declare namespace NotificationTypeEnum {
  /** A data owner has a new key pair and asks for access to his data with it. */
  type KEY_PAIR_UPDATE = typeof NotificationTypeEnum.KEY_PAIR_UPDATE
  /** A newly invited user asks for access to the data about him. */
  type NEW_USER_OWN_DATA_ACCESS = typeof NotificationTypeEnum.NEW_USER_OWN_DATA_ACCESS
  /** Any other request. */
  type OTHER = typeof NotificationTypeEnum.OTHER
}

/** The lifecycle states of a notification. */
export type MaintenanceTaskStatusEnum = 'pending' | 'ongoing' | 'cancelled' | 'completed'

/**
 * A notification (maintenance task) sent by a data owner to another, e.g. to ask for access with a new
 * key pair. Its `properties` are encrypted.
 */
export class Notification {
  /** Id (UUID). */
  declare id?: string
  /** Revision, for optimistic locking. */
  declare rev?: string
  /** Lifecycle state. */
  declare status?: MaintenanceTaskStatusEnum
  /** Creation time (epoch ms). */
  declare created?: number
  /** Soft-deletion time (epoch ms). */
  declare endOfLife?: number
  /** Deletion time (epoch ms). */
  declare deletionDate?: number
  /** Business identifiers (default `[]`). */
  declare identifiers?: Identifier[]
  /** Last modification time (epoch ms). */
  declare modified?: number
  /** Id of the user who created the notification. */
  declare author?: string
  /** Id of the data owner responsible for the notification. */
  declare responsible?: string
  /** Properties (encrypted); undefined when not given. */
  declare properties?: Property[]
  /** Kind of notification. */
  declare type?: NotificationTypeEnum
  /** Crypto bookkeeping. */
  declare systemMetaData?: SystemMetaDataEncrypted

  /** Copies the given fields and normalises identifiers, properties and metadata. */
  constructor(json: ModelInit<Notification>) {
    const source = json ?? {}
    Object.assign(this, source)
    applyFields<Notification>(this, {
      identifiers: wrapArray(source.identifiers, Identifier),
      properties: wrapOptionalArray(source.properties, Property),
      systemMetaData: wrapOptional(source.systemMetaData, SystemMetaDataEncrypted),
    })
  }

  /** Plain JSON form of this notification. */
  marshal(): Marshalled<Notification> {
    return marshalFields(this)
  }
}
