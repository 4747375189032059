import type { AuthChannel, AuthProcessKind, CaptchaType } from '@cairn/protocol'

/** An application of the message gateway (MedTech `specId`) as stored, captcha secret included. */
export interface StoredAuthApplication {
  specId: string
  name: string
  emailFrom: string | null
  captcha: CaptchaType
  /** Never returned by the API. */
  captchaSecret: string | null
  captchaSiteKey: string | null
  created: number
  modified: number
}

/** An authentication process as stored (defaults filled in by the service). */
export interface StoredAuthProcess {
  id: string
  specId: string
  channel: AuthChannel
  kind: AuthProcessKind
  responsibleHcpId: string | null
  allowRegistration: boolean
  subject: string
  template: string
  codeLength: number
  /** Seconds a code stays valid. */
  codeLifetimeSeconds: number
  maxAttempts: number
  created: number
}

/** One start of a process: the HMAC of its code and the state of that code. */
export interface StoredAuthRequest {
  requestId: string
  specId: string
  processId: string
  /** The email (lower-cased) or phone number the code went to (or would have gone to). */
  recipient: string
  /** HMAC of `requestId:code` (see messaging/validation-code.ts); never the code. */
  codeHash: string
  /** Epoch ms after which the code no longer works. */
  expires: number
  /** Checks of the code so far (wrong ones; a right one is given back). */
  attempts: number
  /** Checks allowed; the request is dead once `attempts` reaches it. */
  maxAttempts: number
  /** Epoch ms of the successful validation, null before. */
  validated: number | null
  /** Epoch ms of the login that used the code, null before: a code logs in once. */
  consumed: number | null
  firstName: string | null
  lastName: string | null
  created: number
  clientAddress: string | null
}

/** What a code check may require of a request besides being live (see AuthProcessStore.takeAttempt). */
export interface AttemptCondition {
  /** Only a validated request (a login with the code); otherwise any live one (a validation). */
  validated?: boolean
}

/**
 * The message gateway's applications, authentication processes and code requests (tables of migration
 * 0012), part of the Storage contract as `storage.authProcesses`, on both dialects.
 *
 * A request is *live* while it is not consumed, not expired (`expires > now`) and has attempts left
 * (`attempts < maxAttempts`). Every check of a code first takes an attempt (takeAttempt, one
 * conditional statement), then gives it back when the code was right (markValidated, consume): however
 * many checks run at once, a request is never checked more than `maxAttempts` times with a wrong code,
 * and of two concurrent logins with one code exactly one consumes it.
 */
export interface AuthProcessStore {
  /** Creates or replaces an application; `created` of an existing one is kept. Returns what is stored. */
  putApplication(app: StoredAuthApplication): Promise<StoredAuthApplication>
  getApplication(specId: string): Promise<StoredAuthApplication | undefined>
  /** Every application, by specId. */
  listApplications(): Promise<StoredAuthApplication[]>

  /** Stores a new process; a taken id -> StorageConflict('exists'). */
  insertProcess(process: StoredAuthProcess): Promise<void>
  getProcess(id: string): Promise<StoredAuthProcess | undefined>
  /** The processes (of one application when given), by creation then id. */
  listProcesses(specId?: string): Promise<StoredAuthProcess[]>
  /**
   * Deletes a process and its requests in one transaction (codes already sent stop working); returns
   * the deleted process, undefined when there was none.
   */
  deleteProcess(id: string): Promise<StoredAuthProcess | undefined>

  /** Stores a new request; a taken request id -> StorageConflict('exists'). */
  insertRequest(request: StoredAuthRequest): Promise<void>
  getRequest(requestId: string): Promise<StoredAuthRequest | undefined>
  /**
   * Takes one attempt of a live request (and, with `validated`, only of a validated one), atomically:
   * the request as it is after the increment, or undefined when it is unknown, consumed, expired, dead,
   * or does not meet the condition (nothing changed then).
   */
  takeAttempt(
    requestId: string,
    now: number,
    condition?: AttemptCondition,
  ): Promise<StoredAuthRequest | undefined>
  /**
   * The code of an attempt taken was right: marks the request validated (keeping the first validation
   * time) and gives the attempt back, if it is still unconsumed and unexpired. False otherwise.
   */
  markValidated(requestId: string, now: number): Promise<boolean>
  /**
   * The code of an attempt taken at login was right: consumes the validated request and gives the
   * attempt back, in one conditional statement. True for exactly one of concurrent consumers; false
   * when it was consumed already, expired or is not validated.
   */
  consume(requestId: string, now: number): Promise<boolean>
  /**
   * The newest (at most `limit`) validated, live requests whose recipient is one of `recipients`, for a
   * login by code.
   */
  findLoginRequests(recipients: readonly string[], now: number, limit: number): Promise<StoredAuthRequest[]>
  /** Deletes the requests that expired before `before` (housekeeping); returns how many. */
  pruneRequests(before: number): Promise<number>
}
