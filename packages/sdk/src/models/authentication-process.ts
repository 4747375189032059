import { marshalFields, type Marshalled, type ModelInit } from './model-utils.ts'

/**
 * A started registration/login process, returned by `startAuthentication` and passed back to
 * `completeAuthentication` with the validation code the user received.
 */
export class AuthenticationProcess {
  /** Id of the process request (random UUID chosen by the SDK). */
  declare requestId: string
  /** The email or phone number the process was started with. */
  declare login: string
  /** Whether the validation code check is bypassed (test setups). */
  declare bypassTokenCheck: boolean

  /** Copies the given fields. */
  constructor(json: ModelInit<AuthenticationProcess>) {
    Object.assign(this, json)
  }

  /** Plain JSON form of this process. */
  marshal(): Marshalled<AuthenticationProcess> {
    return marshalFields(this) as Marshalled<AuthenticationProcess>
  }
}
