import { marshalFields, type Marshalled, type ModelInit } from './model-utils.ts'

/** A long-lived token of a user, usable as a password until `creationTime + validity`. */
export class AuthenticationToken {
  /** The token (only present when it was just created; stored tokens are hashed). */
  declare token: string
  /** Creation time (epoch ms). */
  declare creationTime: number
  /** Validity duration in seconds. */
  declare validity: number

  /** Copies the given fields. */
  constructor(json: ModelInit<AuthenticationToken>) {
    Object.assign(this, json)
  }

  /** Plain JSON form of this token. */
  marshal(): Marshalled<AuthenticationToken> {
    return marshalFields(this) as Marshalled<AuthenticationToken>
  }
}
