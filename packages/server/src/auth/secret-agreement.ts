import { createHmac } from 'node:crypto'
import type { Storage } from '../storage/storage.ts'

/** The setting holding the fingerprint of the secret the running instances use, and when it was confirmed. */
export const SECRET_CHECK_SETTING = 'jwt.secret-check'
/** How often a running instance confirms that it still uses the agreed secret (ms). */
export const SECRET_CONFIRM_INTERVAL_MS = 10_000
/**
 * An agreement confirmed less than this long ago (ms) belongs to a running instance: a start with
 * another secret is refused. Three confirmations, so that one slow round does not open the door.
 */
export const SECRET_LIVE_MS = 30_000

/** What `claim` found in the database. */
export type SecretClaim = 'first' | 'same' | 'replaced'

/** Where the agreement logs (the app's pino logger fits). */
interface AgreementLog {
  error(details: object, message: string): void
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
 * Each instance stores the fingerprint of its secret with the time it last confirmed it (every
 * SECRET_CONFIRM_INTERVAL_MS). A start with another secret is refused while an instance confirmed
 * the old one within SECRET_LIVE_MS; later, it takes over (the secret was changed on purpose, with
 * every instance stopped). An instance that finds another fingerprint when it confirms (it was stalled
 * long enough for another to take over) reports `agreed === false`: /ready then answers 503.
 */
export class SecretAgreement {
  readonly #fingerprint: string
  #agreed = true
  #timer?: NodeJS.Timeout
  #log?: AgreementLog
  #stopped = false

  constructor(
    private readonly storage: Storage,
    secret: string,
    private readonly now: () => number = Date.now,
  ) {
    this.#fingerprint = secretFingerprint(secret)
  }

  /** False once another instance took the database over with another secret (see the class). */
  get agreed(): boolean {
    return this.#agreed
  }

  /**
   * Records this instance's secret at start: 'first' (none was recorded), 'same', or 'replaced' (the
   * recorded one was not confirmed for SECRET_LIVE_MS). Throws when a running instance uses another.
   */
  async claim(): Promise<SecretClaim> {
    // Compare-and-set, retried while other instances confirm or claim at the same moment.
    for (let attempt = 0; attempt < 10; attempt++) {
      const stored = await this.storage.getSetting(SECRET_CHECK_SETTING)
      const recorded = parse(stored)
      const now = this.now()
      if (recorded && recorded.fingerprint !== this.#fingerprint) {
        const age = now - recorded.confirmedAt
        if (age < SECRET_LIVE_MS)
          throw new Error(
            `another instance on this database, running ${Math.max(0, Math.round(age / 1000))} s ago, signs tokens with a different secret: ` +
              `give every instance the same CAIRN_JWT_SECRET (to change it, stop every instance, then start them ` +
              `with the new one ${SECRET_LIVE_MS / 1000} s after the last one stopped)`,
          )
      }
      if (await this.storage.compareAndSetSetting(SECRET_CHECK_SETTING, stored, this.#value(now)))
        return !recorded ? 'first' : recorded.fingerprint === this.#fingerprint ? 'same' : 'replaced'
    }
    throw new Error('could not record the signing secret fingerprint: the setting keeps changing')
  }

  /**
   * Confirms this instance's secret now; false (and `agreed` false from then on) when the recorded
   * fingerprint is another's. A database error propagates (the next round tries again).
   */
  async confirm(): Promise<boolean> {
    for (let attempt = 0; attempt < 10 && this.#agreed; attempt++) {
      const stored = await this.storage.getSetting(SECRET_CHECK_SETTING)
      const recorded = parse(stored)
      if (recorded && recorded.fingerprint !== this.#fingerprint) {
        this.#agreed = false
        this.#log?.error(
          { secretCheck: 'mismatch' },
          'another instance took this database over with a different CAIRN_JWT_SECRET: this instance answers /ready with 503; restart it with the same secret as the others',
        )
        break
      }
      if (await this.storage.compareAndSetSetting(SECRET_CHECK_SETTING, stored, this.#value(this.now())))
        return true
    }
    return this.#agreed
  }

  /** Confirms every SECRET_CONFIRM_INTERVAL_MS until `stop` (database errors are retried next round). */
  start(log: AgreementLog): void {
    this.#log = log
    const round = () => {
      if (this.#stopped) return
      this.#timer = setTimeout(() => {
        this.confirm().then(round, round)
      }, SECRET_CONFIRM_INTERVAL_MS)
      this.#timer.unref()
    }
    round()
  }

  /** Stops confirming (shutdown). */
  stop(): void {
    this.#stopped = true
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#log = undefined
  }

  #value(now: number): string {
    return `${this.#fingerprint} ${now}`
  }
}

/** The recorded fingerprint and confirmation time; undefined when absent or unreadable. */
function parse(value: string | undefined): { fingerprint: string; confirmedAt: number } | undefined {
  if (value === undefined) return undefined
  const [fingerprint, at] = value.split(' ')
  const confirmedAt = Number(at)
  if (!fingerprint || !Number.isFinite(confirmedAt)) return undefined
  return { fingerprint, confirmedAt }
}
