import type { MedTechApi } from '../api/medtech-api.ts'

/**
 * What `completeAuthentication` and `authenticateAndAskAccessToItsExistingData` return: the logged-in
 * API, and what the app keeps to log in again later on this device — the user's login (which it
 * already has), `token` (a 10-year token, used as the password) and `keyPairs` (hex PKCS#8 / SPKI,
 * given to SimpleMedTechCryptoStrategies).
 */
export class AuthenticationResult {
  /** The API of the authenticated user, logged in with `token`. */
  declare medTechApi: MedTechApi
  /** The data owner's key pairs usable on this device, exportable ones only (hex PKCS#8 / hex SPKI). */
  declare keyPairs: { privateKey: string; publicKey: string }[]
  /** A long-lived token of the user (10 years), to use as its password. */
  declare token: string
  /** The user's group: always `''` in Cairn, which has no groups. */
  declare groupId: string
  declare userId: string

  /** Copies the given fields. */
  constructor(init: {
    medTechApi: MedTechApi
    keyPairs: { privateKey: string; publicKey: string }[]
    token: string
    groupId: string
    userId: string
  }) {
    Object.assign(this, init)
  }

  /** A safe summary for logs and JSON: the user, its group and public keys; never the token or private keys. */
  toJSON(): { userId: string; groupId: string; publicKeys: string[] } {
    return { userId: this.userId, groupId: this.groupId, publicKeys: this.keyPairs.map((k) => k.publicKey) }
  }

  /** What `console.log` / `util.inspect` show in Node.js: the safe summary of {@link toJSON}. */
  [Symbol.for('nodejs.util.inspect.custom')](
    _depth: number,
    options: object,
    inspect?: (value: unknown, options: object) => string,
  ): unknown {
    return inspect ? `AuthenticationResult ${inspect(this.toJSON(), options)}` : this.toJSON()
  }
}
