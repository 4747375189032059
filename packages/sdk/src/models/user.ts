import { AuthenticationToken } from './authentication-token.ts'
import {
  applyFields,
  marshalFields,
  wrapRecord,
  wrapSet,
  wrapSetRecord,
  type Marshalled,
  type ModelInit,
} from './model-utils.ts'
import { Property } from './property.ts'

/**
 * The kinds of data a user can automatically share with other data owners (`sharingDataWith`).
 * `'administrativeInformation'` is accepted as an alias of `'administrativeData'` (the spelling used by
 * the documentation); the user API treats both the same.
 */
export type SharedDataType =
  | 'all'
  | 'administrativeData'
  | 'administrativeInformation'
  | 'generalInformation'
  | 'financialInformation'
  | 'medicalInformation'
  | 'sensitiveInformation'
  | 'confidentialInformation'

/**
 * A user account: login credentials, roles, the data owner it acts as (`healthcarePartyId`, `patientId`
 * or `deviceId`) and the data owners it automatically shares new data with.
 */
export class User {
  /** Id (UUID). */
  declare id?: string
  /** Revision, for optimistic locking. */
  declare rev?: string
  /** Deletion time (epoch ms). */
  declare deletionDate?: number
  /** Creation time (epoch ms). */
  declare created?: number
  /** Display name. */
  declare name?: string
  /** Properties (default empty). */
  declare properties: Set<Property>
  /** Roles (default empty). */
  declare roles: Set<string>
  /** Login. */
  declare login?: string
  /** Password (hashed by the server when given in clear). */
  declare passwordHash?: string
  /** Two-factor authentication secret. */
  declare secret?: string
  /** Whether two-factor authentication is enabled. */
  declare use2fa?: boolean
  /** Id of the group (database) the user belongs to. */
  declare groupId?: string
  /** Id of the healthcare professional this user acts as. */
  declare healthcarePartyId?: string
  /** Id of the patient this user acts as. */
  declare patientId?: string
  /** Id of the medical device this user acts as. */
  declare deviceId?: string
  /**
   * Data owners new data is automatically shared with, by kind of data (default `{}`; values accept
   * arrays or Sets). Keys are kept as given, including the `administrativeInformation` alias.
   */
  declare sharingDataWith: { [K in SharedDataType]?: Set<string> }
  /** Email address. */
  declare email?: string
  /** Mobile phone number. */
  declare mobilePhone?: string
  /** Long-lived authentication tokens by id (default `{}`). */
  declare authenticationTokens: { [key: string]: AuthenticationToken }

  /** Copies the given fields and normalises properties, roles, sharing and tokens. */
  constructor(json: ModelInit<User>) {
    const source = json ?? {}
    Object.assign(this, source)
    applyFields<User>(this, {
      properties: wrapSet(source.properties, Property),
      roles: wrapSet<string>(source.roles),
      sharingDataWith: wrapSetRecord<string>(source.sharingDataWith),
      authenticationTokens: wrapRecord(source.authenticationTokens, AuthenticationToken),
    })
  }

  /** Plain JSON form of this user (Sets become arrays). */
  marshal(): Marshalled<User> {
    return marshalFields(this) as Marshalled<User>
  }
}
