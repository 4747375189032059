import { createHash, timingSafeEqual } from 'node:crypto'
import type { RecoveryKeyDataDto, RecoveryKeyStatusDto, RecoveryKeyWriteDto } from '@cairn/protocol'
import type { Caller } from '../../auth/caller.ts'
import { LoginThrottle } from '../../auth/login-throttle.ts'
import { assertRecentAuthentication } from '../../auth/recent-authentication.ts'
import { assertCanUseRecoveryKey } from '../../access/access-policy.ts'
import { AppError, badRequest, forbidden, notFound } from '../../http/app-error.ts'
import type { Storage } from '../../storage/storage.ts'
import type { StoredRecoveryKey } from '../../storage/recovery-key-store.ts'

/** What the service logs about a wrong recovery code: who and from where, never a value. */
export interface RecoveryFailureLog {
  warn(details: { dataOwnerId: string; address: string; reqId: string }, message: string): void
}

/**
 * Recovery keys (docs/protocol.md, "Recovery key"): the server keeps, for each data owner that made
 * one, its private keys as its device encrypted them under a key derived from a recovery code, and the
 * SHA-256 of a second value derived from the same code. It hands the ciphertext out only for that
 * value, to that data owner itself, at a throttled rate. It never sees the code nor anything that
 * decrypts the ciphertext.
 *
 * Rules: every route is for the caller's own data owner only (access-policy.ts
 * `assertCanUseRecoveryKey`). Storing, replacing and deleting need a recent login, as changing the
 * password does: an access token stolen later must not be able to swap the recovery data for garbage or
 * remove it, which would only show on the day the data owner needs it. A session opened with a
 * long-lived token may do it after a recent proof of that token (a recovery key is no credential of
 * the account: it opens nothing without a session). Opening is not: a new device has just logged in.
 */
export class RecoveryKeyService {
  constructor(
    private readonly storage: Storage,
    /** Counts wrong codes per data owner and per client address, in the database (see LoginThrottle). */
    private readonly throttle: LoginThrottle,
    private readonly log?: RecoveryFailureLog,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether the caller's data owner has a recovery key, since when, and which keys it covers. */
  async status(caller: Caller, dataOwnerId: string): Promise<RecoveryKeyStatusDto> {
    assertCanUseRecoveryKey(caller, dataOwnerId)
    return statusOf(dataOwnerId, await this.storage.recoveryKeys.get(dataOwnerId))
  }

  /** Stores (or replaces) the caller's recovery data; the value that opens it is kept only as a hash. */
  async store(caller: Caller, dataOwnerId: string, body: RecoveryKeyWriteDto): Promise<RecoveryKeyStatusDto> {
    assertCanUseRecoveryKey(caller, dataOwnerId)
    assertRecentAuthentication(caller, 'Storing a recovery key', { tokenSessionAllowed: true })
    if (new Set(body.fingerprints).size !== body.fingerprints.length)
      throw badRequest('fingerprints must not repeat a key')
    const stored: StoredRecoveryKey = {
      dataOwnerId,
      authHash: hashOf(body.authValue),
      blob: body.blob,
      fingerprints: body.fingerprints,
      created: this.now(),
    }
    await this.storage.recoveryKeys.put(stored)
    return statusOf(dataOwnerId, stored)
  }

  /**
   * The caller's recovery data, if `authValue` is the one it was stored with. Throttled before the
   * check, per data owner and per client address (as logins): a key that must wait gets 429 with
   * Retry-After; a wrong value is a 403 counted as a failure; the right one forgets the data owner's
   * failures. No recovery key: 404, not counted (it tells the data owner itself nothing new).
   */
  async open(
    caller: Caller,
    dataOwnerId: string,
    authValue: string,
    address: string,
  ): Promise<RecoveryKeyDataDto> {
    assertCanUseRecoveryKey(caller, dataOwnerId)
    const ownerKey = `recovery:owner:${dataOwnerId}`
    const addressKey = `recovery:${LoginThrottle.addressKey(address)}`
    const wait = await this.throttle.reserve(ownerKey, addressKey)
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000)
      throw new AppError(
        'RATE_LIMITED',
        `Too many wrong recovery keys for data owner ${dataOwnerId}: try again in ${seconds} second${seconds === 1 ? '' : 's'}`,
        seconds,
      )
    }
    let stored: StoredRecoveryKey | undefined
    try {
      stored = await this.storage.recoveryKeys.get(dataOwnerId)
    } catch (error) {
      await this.throttle.withdraw(ownerKey, addressKey).catch(() => undefined)
      throw error
    }
    if (!stored) {
      await this.throttle.withdraw(ownerKey, addressKey)
      throw notFound(`Data owner ${dataOwnerId} has no recovery key`)
    }
    if (!sameHash(hashOf(authValue), stored.authHash)) {
      await this.throttle.fail(ownerKey, addressKey)
      this.log?.warn({ dataOwnerId, address, reqId: caller.requestId }, 'wrong recovery key')
      throw forbidden(
        `Wrong recovery key for data owner ${dataOwnerId}: it is not the one stored last ` +
          '(wrong attempts are counted and slowed down)',
      )
    }
    await this.throttle.succeed(ownerKey, addressKey)
    return { dataOwnerId, blob: stored.blob, created: stored.created }
  }

  /** Deletes the caller's recovery data (idempotent: the status says there is none). */
  async delete(caller: Caller, dataOwnerId: string): Promise<RecoveryKeyStatusDto> {
    assertCanUseRecoveryKey(caller, dataOwnerId)
    assertRecentAuthentication(caller, 'Deleting a recovery key', { tokenSessionAllowed: true })
    await this.storage.recoveryKeys.delete(dataOwnerId)
    return { dataOwnerId, exists: false }
  }
}

/** Hex SHA-256 of the decoded value: it is 256 pseudo-random bits, so a fast hash suffices (no brute force). */
function hashOf(authValue: string): string {
  return createHash('sha256').update(Buffer.from(authValue, 'base64url')).digest('hex')
}

/** Constant-time comparison of two hex hashes. */
function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex')
  const y = Buffer.from(b, 'hex')
  return x.length === y.length && timingSafeEqual(x, y)
}

function statusOf(dataOwnerId: string, stored: StoredRecoveryKey | undefined): RecoveryKeyStatusDto {
  return stored
    ? { dataOwnerId, exists: true, created: stored.created, fingerprints: stored.fingerprints }
    : { dataOwnerId, exists: false }
}
