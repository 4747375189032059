import type { AuthenticationApi } from './authentication-api.ts'

/**
 * MedTech `AnonymousMedTechApi`: the API of someone not logged in yet, built by
 * `AnonymousMedTechApiBuilder`. Its only API is `authenticationApi` (sign-up, login by code, first
 * login of an invited user), whose results carry the user's logged-in MedTechApi.
 */
export class AnonymousMedTechApi {
  /** @internal */
  constructor(
    readonly authenticationApi: AuthenticationApi,
    readonly iCureBaseUrl: string,
    readonly msgGwUrl: string,
    readonly msgGwSpecId: string,
  ) {}

  /** A safe summary for logs and JSON: the server, the message gateway and the application. */
  toJSON(): { iCureBaseUrl: string; msgGwUrl: string; msgGwSpecId: string } {
    return { iCureBaseUrl: this.iCureBaseUrl, msgGwUrl: this.msgGwUrl, msgGwSpecId: this.msgGwSpecId }
  }

  /** What `console.log` / `util.inspect` show in Node.js: the safe summary of {@link toJSON}. */
  [Symbol.for('nodejs.util.inspect.custom')](
    _depth: number,
    options: object,
    inspect?: (value: unknown, options: object) => string,
  ): unknown {
    return inspect ? `AnonymousMedTechApi ${inspect(this.toJSON(), options)}` : this.toJSON()
  }
}
