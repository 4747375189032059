import { describe, expect, it } from 'vitest'
import { EventBus } from '../events/event-bus.ts'
import type { Storage, UserRow } from '../storage/storage.ts'
import { ActiveUserCache } from './active-user-cache.ts'
import { AuthService } from './auth-service.ts'
import { JwtService } from './jwt.ts'
import { LoginThrottle } from './login-throttle.ts'
import { SessionService } from './session-service.ts'
import { VerifiedTokenCache } from './verified-token-cache.ts'

/** A JwtService that counts signature verifications. */
class CountingJwt extends JwtService {
  verifications = 0
  override async verifyClaims(...args: Parameters<JwtService['verifyClaims']>) {
    this.verifications++
    return super.verifyClaims(...args)
  }
}

function userRow(id: string, status: UserRow['status'] = 'ACTIVE'): UserRow {
  return {
    id,
    rev: '1-x',
    login: `${id}@example.org`,
    email: null,
    mobilePhone: null,
    dataOwnerId: 'hcp-1',
    status,
    passwordHash: null,
    managedBy: null,
    deletionDate: null,
    doc: JSON.stringify({ id, login: `${id}@example.org`, roles: [], healthcarePartyId: 'hcp-1' }),
    created: 0,
    modified: 0,
  }
}

/**
 * An AuthService over an in-memory user and session table (the only storage that authenticate()
 * reads): user u1 with one active session s1.
 */
function setUp(clock = { now: 0 }) {
  const users = new Map([['u1', userRow('u1')]])
  const sessions = new Map([
    [
      's1',
      {
        id: 's1',
        userId: 'u1',
        created: 0,
        authTime: 0,
        tokenId: null,
        generation: 0,
        expires: 1e15,
        revoked: null as number | null,
      },
    ],
  ])
  let reads = 0
  let sessionReads = 0
  const storage = {
    getUser: (id: string) => (reads++, Promise.resolve(users.get(id))),
    // A copy, as a database read would return: later changes do not reach a cached row.
    getSession: (id: string) => {
      sessionReads++
      const row = sessions.get(id)
      return Promise.resolve(row && { ...row })
    },
  } as unknown as Storage
  const jwt = new CountingJwt('a test secret of enough length, 32+ bytes')
  const events = new EventBus((e) => {
    throw e
  })
  const throttle = new LoginThrottle(
    storage,
    {
      freeFailures: 10,
      addressFactor: 10,
      baseDelayMs: 1000,
      maxDelayMs: 60_000,
      windowMs: 60_000,
    },
    'a test secret',
  )
  const auth = new AuthService(
    storage,
    jwt,
    throttle,
    new SessionService(storage, jwt, { access: 3600, refresh: 7200 }, () => clock.now),
    events,
    { tokens: new VerifiedTokenCache(), users: new ActiveUserCache(1000, 100, () => clock.now) },
  )
  const endSession = (id: string) => {
    const session = sessions.get(id)
    if (session) session.revoked = clock.now
  }
  const disable = (id: string, emit: boolean) => {
    users.set(id, userRow(id, 'DISABLED'))
    if (emit) {
      events.emit([
        {
          kind: 'user-change',
          entityType: 'user',
          id,
          actor: { userId: 'admin' },
          requestId: 'r',
          delegates: [],
          at: 0,
        },
      ])
    }
  }
  return { auth, jwt, disable, endSession, reads: () => reads, sessionReads: () => sessionReads }
}

describe('AuthService.authenticate', () => {
  it('verifies a token once and reads the user once per TTL, and answers each request with its own id', async () => {
    const clock = { now: 0 }
    const { auth, jwt, reads } = setUp(clock)
    const token = await jwt.sign('u1', 'access', 60, { sid: 's1' })
    const first = await auth.authenticate(`Bearer ${token}`, 'req-1')
    const second = await auth.authenticate(`Bearer ${token}`, 'req-2')
    expect(first).toEqual({
      userId: 'u1',
      isAdmin: false,
      dataOwnerId: 'hcp-1',
      dataOwnerType: 'HealthcareProfessional',
      sessionId: 's1',
      authTime: 0,
      recentAuthUntil: 300_000,
      requestId: 'req-1',
    })
    expect(second.requestId).toBe('req-2')
    expect(jwt.verifications).toBe(1)
    expect(reads()).toBe(1)
    clock.now = 1000
    await auth.authenticate(`Bearer ${token}`, 'req-3')
    expect(reads()).toBe(2)
  })

  it('refuses a user disabled through this instance on its very next request', async () => {
    const { auth, jwt, disable } = setUp()
    const token = `Bearer ${await jwt.sign('u1', 'access', 60, { sid: 's1' })}`
    await auth.authenticate(token, 'r1')
    disable('u1', true)
    await expect(auth.authenticate(token, 'r2')).rejects.toThrow('This user is disabled')
  })

  it('refuses a user disabled through another instance within the TTL', async () => {
    const clock = { now: 0 }
    const { auth, jwt, disable } = setUp(clock)
    const token = `Bearer ${await jwt.sign('u1', 'access', 60, { sid: 's1' })}`
    await auth.authenticate(token, 'r1')
    disable('u1', false)
    clock.now = 999
    await expect(auth.authenticate(token, 'r2')).resolves.toMatchObject({ userId: 'u1' })
    clock.now = 1000
    await expect(auth.authenticate(token, 'r3')).rejects.toThrow('This user is disabled')
  })

  it('refuses expired, refresh, altered and missing tokens', async () => {
    const { auth, jwt } = setUp()
    await expect(
      auth.authenticate(`Bearer ${await jwt.sign('u1', 'access', -10, { sid: 's1' })}`, 'r'),
    ).rejects.toThrow('expired')
    await expect(
      auth.authenticate(`Bearer ${await jwt.sign('u1', 'refresh', 60, { sid: 's1', gen: 0 })}`, 'r'),
    ).rejects.toThrow('Not an access token')
    const token = await jwt.sign('u1', 'access', 60, { sid: 's1' })
    await auth.authenticate(`Bearer ${token}`, 'r')
    await expect(auth.authenticate(`Bearer ${token.slice(0, -2)}xx`, 'r')).rejects.toThrow('Invalid')
    await expect(auth.authenticate(undefined, 'r')).rejects.toThrow('Missing Authorization')
  })

  it('refuses the access tokens of a session ended through this instance at once, and one ended elsewhere within the TTL', async () => {
    const clock = { now: 0 }
    const { auth, jwt, endSession, sessionReads } = setUp(clock)
    const token = `Bearer ${await jwt.sign('u1', 'access', 60, { sid: 's1' })}`
    await auth.authenticate(token, 'r1')
    expect(sessionReads()).toBe(1)
    // Ended by another instance: this one notices when its cached state expires.
    endSession('s1')
    clock.now = 999
    await expect(auth.authenticate(token, 'r2')).resolves.toMatchObject({ sessionId: 's1' })
    clock.now = 1000
    await expect(auth.authenticate(token, 'r3')).rejects.toThrow('This session was ended')
  })

  it('refuses access tokens without a session and tokens of another user', async () => {
    const { auth, jwt } = setUp()
    await expect(auth.authenticate(`Bearer ${await jwt.sign('u1', 'access', 60)}`, 'r')).rejects.toThrow(
      'predates sessions',
    )
    await expect(
      auth.authenticate(`Bearer ${await jwt.sign('u2', 'access', 60, { sid: 's1' })}`, 'r'),
    ).rejects.toThrow()
  })
})
