import { randomBytes } from 'node:crypto'
import type { ServerConfig } from '../config.ts'
import { AppError } from '../http/app-error.ts'
import { LoginThrottle, type LoginThrottlePolicy } from '../auth/login-throttle.ts'
import type { Storage } from '../storage/storage.ts'

/**
 * Process starts (each one may send a message): 3 per recipient without delay, then each start waits
 * twice as long as the last, from 30 s; a client address gets 7 times more (several people behind one
 * NAT sign up at once). Counted before anything is sent, whether or not an account exists. The window
 * is the login window, since the login throttle prunes the shared table by it.
 */
export function startThrottlePolicy(config: ServerConfig): LoginThrottlePolicy {
  return {
    freeFailures: 3,
    addressFactor: 7,
    baseDelayMs: 30_000,
    maxDelayMs: Math.max(30_000, config.loginMaxDelaySeconds * 1000),
    windowMs: config.loginWindowSeconds * 1000,
  }
}

/**
 * Wrong validation codes, per request and per client address. A request dies after its process's
 * maxAttempts (at most 10) anyway; the address count (30 wrong codes, then a back-off from 1 s) stops
 * one client from trying codes across many requests it started.
 */
export function validationThrottlePolicy(config: ServerConfig): LoginThrottlePolicy {
  return {
    freeFailures: 10,
    addressFactor: 3,
    baseDelayMs: 1000,
    maxDelayMs: config.loginMaxDelaySeconds * 1000,
    windowMs: config.loginWindowSeconds * 1000,
  }
}

/**
 * Messages sent by a user (sends and invitations): 100 per user within the window without delay, then
 * a back-off from 1 s; twice that per client address.
 */
export function sendThrottlePolicy(config: ServerConfig): LoginThrottlePolicy {
  return {
    freeFailures: 100,
    addressFactor: 2,
    baseDelayMs: 1000,
    maxDelayMs: config.loginMaxDelaySeconds * 1000,
    windowMs: config.loginWindowSeconds * 1000,
  }
}

/**
 * A throttle of the gateway: the login throttle's mechanism and table (shared by every instance), with
 * the gateway's policy and its own keys (which callers build, prefixed so that they never meet login
 * keys). Its hash secret is unused: the gateway never counts unknown logins.
 */
export function gatewayThrottle(storage: Storage, policy: LoginThrottlePolicy): LoginThrottle {
  return new LoginThrottle(storage, policy, randomBytes(32).toString('hex'))
}

/**
 * Counts one event (a start, a wrong code, a send) against `key` and `addressKey`, or throws the 429
 * (with Retry-After) of a key that must wait; nothing is counted then. `what` names the event for the
 * message.
 */
export async function countOrRefuse(
  throttle: LoginThrottle,
  key: string,
  addressKey: string,
  what: string,
): Promise<void> {
  await reserveOrRefuse(throttle, key, addressKey, what)
  await throttle.fail(key, addressKey)
}

/** Reserves one attempt (see LoginThrottle.reserve), or throws the 429 of a key that must wait. */
export async function reserveOrRefuse(
  throttle: LoginThrottle,
  key: string,
  addressKey: string,
  what: string,
): Promise<void> {
  const wait = await throttle.reserve(key, addressKey)
  if (wait > 0) {
    const seconds = Math.ceil(wait / 1000)
    throw new AppError(
      'RATE_LIMITED',
      `${what}: try again in ${seconds} second${seconds === 1 ? '' : 's'}`,
      seconds,
    )
  }
}
