import { createHmac, randomUUID } from 'node:crypto'
import type { Storage } from '../storage/storage.ts'

/**
 * The setting holding the fingerprint of the secret this database was last used with (whether a start
 * is the first, the same secret, or a replaced one, for the start-up log).
 */
export const SECRET_CHECK_SETTING = 'jwt.secret-check'
/** How often a running instance says it is alive, with the fingerprint of its secret (ms). */
export const SECRET_CONFIRM_INTERVAL_MS = 10_000
/**
 * An instance seen less than this long ago (ms, the database's clock) is running: a start with another
 * secret is refused. Three confirmations, so that one slow round does not open the door.
 */
export const SECRET_LIVE_MS = 30_000

/** What `claim` found in the database. */
export type SecretClaim = 'first' | 'same' | 'replaced'

/** Where the agreement logs (the app's pino logger fits). */
interface AgreementLog {
  error(details: object, message: string): void
}

/** The agreement's two durations (ms); tests shorten them. */
export interface AgreementTiming {
  readonly confirmIntervalMs: number
  readonly liveMs: number
}

const DEFAULT_TIMING: AgreementTiming = {
  confirmIntervalMs: SECRET_CONFIRM_INTERVAL_MS,
  liveMs: SECRET_LIVE_MS,
}

/**
 * A fingerprint of the signing secret: HMAC-SHA-256 under the secret of a fixed label. It tells two
 * secrets apart without revealing either; guessing a secret from it is no easier than from any access
 * token, which is an HMAC under the same secret of known claims.
 */
export function secretFingerprint(secret: string): string {
  return createHmac('sha256', secret).update('cairn:jwt-secret-check').digest('base64url')
}

/**
 * Makes sure that the instances sharing one PostgreSQL database use the same signing secret. The
 * secret itself never goes to the database (auth/jwt-secret.ts), but every instance must have the
 * same, since it signs the tokens any instance accepts, keys the login throttle's hashes, hashes the
 * validation codes and seals the outbox: with different secrets, a token from one instance is refused
 * by the other, and each instance's outbox worker fails the messages the other queued.
 *
 * Each instance has a row (storage/instance-store.ts): a random id, the fingerprint of its secret and
 * when the database last saw it, refreshed every `confirmIntervalMs`; a clean shutdown deletes it
 * (`release`). A start is refused while an instance with another fingerprint was seen within `liveMs`
 * (a crashed one blocks for at most that long); otherwise it registers. All times are the database's
 * clock, so instances with skewed clocks agree on who is alive.
 *
 * An instance that finds a live one with another fingerprint when it confirms (it was stalled long
 * enough to be taken for dead, and another started with a new secret) is overtaken for good:
 * `agreed` turns false and the `onOvertaken` listeners run at once (the server stops its outbox
 * worker and sockets, refuses API requests and answers /ready with 503), until it is restarted.
 */
export class SecretAgreement {
  readonly #fingerprint: string
  /** This instance's row; random, so that no two instances (or two starts of one) share it. */
  readonly #id = randomUUID()
  readonly #timing: AgreementTiming
  #agreed = true
  /** performance.now() of the last registration the database accepted. */
  #confirmedAt?: number
  #timer?: NodeJS.Timeout
  #log?: AgreementLog
  #stopped = false
  readonly #overtakenListeners: (() => void)[] = []

  constructor(
    private readonly storage: Storage,
    secret: string,
    timing: AgreementTiming = DEFAULT_TIMING,
  ) {
    this.#fingerprint = secretFingerprint(secret)
    this.#timing = timing
  }

  /** False once another instance took the database over with another secret (see the class). */
  get agreed(): boolean {
    return this.#agreed
  }

  /** Runs `listener` once, at the moment this instance finds itself overtaken (see the class). */
  onOvertaken(listener: () => void): void {
    this.#overtakenListeners.push(listener)
  }

  /**
   * Registers this instance at start: 'first' (the database had never recorded a secret), 'same', or
   * 'replaced' (it was last used with another secret, by instances that are gone). Throws when a
   * running instance uses another secret.
   */
  async claim(): Promise<SecretClaim> {
    const { liveMs } = this.#timing
    const { conflict } = await this.storage.instances.register(this.#id, this.#fingerprint, liveMs)
    if (conflict)
      throw new Error(
        `another instance on this database, seen ${Math.round(conflict.ageMs / 1000)} s ago, signs tokens with a different secret: ` +
          `give every instance the same CAIRN_JWT_SECRET (to change it, stop every instance, then start them with ` +
          `the new one; an instance that did not stop cleanly blocks the change for up to ${liveMs / 1000} s)`,
      )
    this.#confirmedAt = performance.now()
    return this.#recordFingerprint()
  }

  /**
   * Confirms that this instance is alive with its secret; false (and overtaken from then on) when a
   * live instance has another. A database error propagates (the next round tries again).
   */
  async confirm(): Promise<boolean> {
    if (!this.#agreed) return false
    const registration = await this.storage.instances.register(
      this.#id,
      this.#fingerprint,
      this.#timing.liveMs,
    )
    if (!this.#agreed) return false
    if (registration.conflict) {
      this.#overtaken()
      return false
    }
    this.#confirmedAt = performance.now()
    return true
  }

  /**
   * Whether this instance may open what is sealed under its secret right now: true when the database
   * accepted its registration less than two confirmation intervals ago, else it confirms first. An
   * instance resuming from a long stall (its timers all firing at once) thus learns that it was
   * overtaken before its outbox worker claims messages it cannot open. Never rejects.
   */
  async current(): Promise<boolean> {
    if (!this.#agreed) return false
    const age = this.#confirmedAt === undefined ? Infinity : performance.now() - this.#confirmedAt
    if (age < 2 * this.#timing.confirmIntervalMs) return true
    return this.confirm().catch(() => false)
  }

  /** Confirms every confirmation interval until `stop` (database errors are retried next round). */
  start(log: AgreementLog): void {
    this.#log = log
    const round = () => {
      if (this.#stopped || !this.#agreed) return
      this.#timer = setTimeout(() => {
        this.confirm().then(round, round)
      }, this.#timing.confirmIntervalMs)
      this.#timer.unref()
    }
    round()
  }

  /** Stops confirming (first step of a shutdown: the row stays until `release`). */
  stop(): void {
    this.#stopped = true
    clearTimeout(this.#timer)
    this.#timer = undefined
  }

  /**
   * Stops confirming and deletes this instance's row (clean shutdown, once its outbox worker stopped):
   * an instance with a new secret may start at once.
   */
  async release(): Promise<void> {
    this.stop()
    this.#log = undefined
    await this.storage.instances.remove(this.#id)
  }

  #overtaken(): void {
    this.#agreed = false
    this.stop()
    this.#log?.error(
      { secretCheck: 'mismatch' },
      'another instance took this database over with a different CAIRN_JWT_SECRET: this instance stopped its outbox worker and realtime sockets, refuses API requests and answers /ready with 503; restart it with the same secret as the others',
    )
    for (const listener of this.#overtakenListeners) {
      try {
        listener()
      } catch (error) {
        this.#log?.error(
          { err: { message: (error as Error).message } },
          'stopping after the secret mismatch failed',
        )
      }
    }
  }

  /**
   * Records this secret's fingerprint as the one the database is used with; compare-and-set, so that
   * of two instances starting together with a new secret one reports 'replaced', the other 'same'.
   */
  async #recordFingerprint(): Promise<SecretClaim> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const stored = await this.storage.getSetting(SECRET_CHECK_SETTING)
      // Earlier versions stored "<fingerprint> <time>": the fingerprint is the first word.
      const recorded = stored?.split(' ')[0] || undefined
      if (recorded === this.#fingerprint) return 'same'
      if (await this.storage.compareAndSetSetting(SECRET_CHECK_SETTING, stored, this.#fingerprint))
        return recorded === undefined ? 'first' : 'replaced'
    }
    throw new Error('could not record the signing secret fingerprint: the setting keeps changing')
  }
}
