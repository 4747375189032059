import type { MedTechApi, User } from '@cairn/sdk'

/** What the signed-in person is, which decides the console's views. */
export type ConsoleRole = 'admin' | 'hcp' | 'patient'

/**
 * A signed-in console session. Everyone gets a MedTechApi built in this page: a data owner's
 * (doctor's, patient's) private keys stay in the browser (IndexedDB) and every record is decrypted
 * here. Admins have no data owner and no keys: their MedTechApi reads users, professionals and the
 * access log, and `rest` reaches the administration routes the SDK does not cover (message gateway
 * settings, health).
 */
export interface ConsoleSession {
  readonly role: ConsoleRole
  readonly user: User
  /** The SDK, signed in as this user (without keys for admins). */
  readonly api: MedTechApi
  /** The data owner this user acts as (healthcare professional or patient id); undefined for admins. */
  readonly dataOwnerId: string | undefined
  /** Authenticated JSON calls to the server's REST API (paths relative to /rest/v1). */
  readonly rest: RestClient
}

/** JSON calls to `/rest/v1/...` with the session's token, refreshed when it expires. */
export interface RestClient {
  /** `method` on `/rest/v1${path}`; resolves with the JSON answer, rejects with a ConsoleError. */
  request<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T>
  /** GET of a path outside /rest/v1 (health, readiness, metrics) with the session's token. */
  getRaw(path: string): Promise<Response>
  /** Ends the session on the server (its refresh token and access tokens stop working). */
  logout(): Promise<void>
}
