import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createStorage, dropPgSchema, StorageConflict } from './index.ts'
import type { Storage } from './index.ts'
import type { StoredAuthApplication, StoredAuthProcess, StoredAuthRequest } from './auth-process-store.ts'

/*
 * The contract of storage.authProcesses (and of the `kind` of user tokens, migration 0012), against
 * embedded SQLite and, when DATABASE_URL is set, PostgreSQL in a random schema dropped at the end. Each
 * test uses its own random ids.
 */

const NOW = 1_800_000_000_000

function application(specId: string, extra: Partial<StoredAuthApplication> = {}): StoredAuthApplication {
  return {
    specId,
    name: 'My app',
    emailFrom: 'app@example.org',
    captcha: 'recaptcha',
    captchaSecret: 'secret',
    captchaSiteKey: null,
    created: NOW,
    modified: NOW,
    ...extra,
  }
}

function authProcess(id: string, specId: string, extra: Partial<StoredAuthProcess> = {}): StoredAuthProcess {
  return {
    id,
    specId,
    channel: 'email',
    kind: 'patient',
    responsibleHcpId: null,
    allowRegistration: true,
    subject: '{{code}} is your {{appName}} code',
    template: 'Your code: {{code}}',
    codeLength: 6,
    codeLifetimeSeconds: 600,
    maxAttempts: 5,
    created: NOW,
    ...extra,
  }
}

function request(processId: string, extra: Partial<StoredAuthRequest> = {}): StoredAuthRequest {
  return {
    requestId: randomUUID(),
    specId: 'spec',
    processId,
    recipient: `${randomUUID()}@example.org`,
    codeHash: 'hash',
    expires: NOW + 600_000,
    attempts: 0,
    maxAttempts: 3,
    validated: null,
    consumed: null,
    firstName: 'Jane',
    lastName: null,
    created: NOW,
    clientAddress: '127.0.0.1',
    ...extra,
  }
}

function contract(open: () => { storage: Storage; cleanup: () => Promise<void> }): void {
  let storage: Storage
  let cleanup: () => Promise<void>

  beforeAll(async () => {
    ;({ storage, cleanup } = open())
    await storage.init()
  })
  afterAll(async () => {
    await storage.close()
    await cleanup()
  })

  it('creates and replaces applications, keeping their creation date', async () => {
    const specId = `app-${randomUUID()}`
    expect(await storage.authProcesses.getApplication(specId)).toBeUndefined()
    const first = application(specId)
    expect(await storage.authProcesses.putApplication(first)).toEqual(first)
    const next = application(specId, {
      name: 'Renamed',
      emailFrom: null,
      captcha: 'friendly-captcha',
      captchaSiteKey: 'site',
      created: NOW + 5,
      modified: NOW + 5,
    })
    expect(await storage.authProcesses.putApplication(next)).toEqual({ ...next, created: NOW })
    expect(await storage.authProcesses.getApplication(specId)).toEqual({ ...next, created: NOW })
    expect((await storage.authProcesses.listApplications()).map((a) => a.specId)).toContain(specId)
  })

  it('stores processes, refuses a taken id, lists them per application and deletes them with their requests', async () => {
    const specId = `app-${randomUUID()}`
    const a = authProcess(`p-${randomUUID()}`, specId, { channel: 'sms', responsibleHcpId: randomUUID() })
    const b = authProcess(`p-${randomUUID()}`, specId, { allowRegistration: false, created: NOW + 1 })
    await storage.authProcesses.insertProcess(a)
    await storage.authProcesses.insertProcess(b)
    await expect(storage.authProcesses.insertProcess({ ...a, specId: 'other' })).rejects.toBeInstanceOf(
      StorageConflict,
    )
    expect(await storage.authProcesses.getProcess(a.id)).toEqual(a)
    expect(await storage.authProcesses.listProcesses(specId)).toEqual([a, b])
    expect((await storage.authProcesses.listProcesses()).map((p) => p.id)).toEqual(
      expect.arrayContaining([a.id, b.id]),
    )
    const r = request(a.id)
    await storage.authProcesses.insertRequest(r)
    expect(await storage.authProcesses.deleteProcess(a.id)).toEqual(a)
    expect(await storage.authProcesses.getProcess(a.id)).toBeUndefined()
    expect(await storage.authProcesses.getRequest(r.requestId)).toBeUndefined()
    expect(await storage.authProcesses.deleteProcess(a.id)).toBeUndefined()
  })

  it('stores requests once per request id', async () => {
    const r = request('p')
    await storage.authProcesses.insertRequest(r)
    expect(await storage.authProcesses.getRequest(r.requestId)).toEqual(r)
    await expect(storage.authProcesses.insertRequest({ ...r, recipient: 'x' })).rejects.toBeInstanceOf(
      StorageConflict,
    )
  })

  it('counts attempts: at most maxAttempts are taken, even concurrently, and a right code gives its attempt back', async () => {
    const r = request('p', { maxAttempts: 3 })
    await storage.authProcesses.insertRequest(r)
    const taken = await Promise.all(
      Array.from({ length: 8 }, () => storage.authProcesses.takeAttempt(r.requestId, NOW)),
    )
    expect(taken.filter((t) => t !== undefined)).toHaveLength(3)
    expect(
      taken
        .map((t) => t?.attempts)
        .filter((n) => n !== undefined)
        .sort(),
    ).toEqual([1, 2, 3])
    expect((await storage.authProcesses.getRequest(r.requestId))?.attempts).toBe(3)
    // Dead: even a right code finds no attempt left.
    expect(await storage.authProcesses.takeAttempt(r.requestId, NOW)).toBeUndefined()

    const s = request('p', { maxAttempts: 2 })
    await storage.authProcesses.insertRequest(s)
    expect((await storage.authProcesses.takeAttempt(s.requestId, NOW))?.attempts).toBe(1)
    expect(await storage.authProcesses.markValidated(s.requestId, NOW + 1)).toBe(true)
    const validated = await storage.authProcesses.getRequest(s.requestId)
    expect(validated).toMatchObject({ attempts: 0, validated: NOW + 1 })
    // A second validation keeps the first time.
    await storage.authProcesses.takeAttempt(s.requestId, NOW + 2)
    expect(await storage.authProcesses.markValidated(s.requestId, NOW + 2)).toBe(true)
    expect(await storage.authProcesses.getRequest(s.requestId)).toMatchObject({
      attempts: 0,
      validated: NOW + 1,
    })
  })

  it('lets a request expire', async () => {
    const r = request('p', { expires: NOW + 1000 })
    await storage.authProcesses.insertRequest(r)
    expect(await storage.authProcesses.takeAttempt(r.requestId, NOW + 999)).toBeDefined()
    expect(await storage.authProcesses.takeAttempt(r.requestId, NOW + 1000)).toBeUndefined()
    expect(await storage.authProcesses.markValidated(r.requestId, NOW + 1000)).toBe(false)
    expect(await storage.authProcesses.getRequest(r.requestId)).toMatchObject({
      attempts: 1,
      validated: null,
    })
    expect(await storage.authProcesses.takeAttempt(randomUUID(), NOW)).toBeUndefined()
  })

  it('consumes a validated request once: of two concurrent consumers exactly one wins', async () => {
    const r = request('p')
    await storage.authProcesses.insertRequest(r)
    // Not validated yet: a login attempt is not even taken.
    expect(await storage.authProcesses.takeAttempt(r.requestId, NOW, { validated: true })).toBeUndefined()
    expect(await storage.authProcesses.consume(r.requestId, NOW)).toBe(false)
    await storage.authProcesses.takeAttempt(r.requestId, NOW)
    await storage.authProcesses.markValidated(r.requestId, NOW)

    const [a, b] = await Promise.all([
      storage.authProcesses.takeAttempt(r.requestId, NOW, { validated: true }),
      storage.authProcesses.takeAttempt(r.requestId, NOW, { validated: true }),
    ])
    expect(a && b).toBeDefined()
    const wins = await Promise.all([
      storage.authProcesses.consume(r.requestId, NOW + 1),
      storage.authProcesses.consume(r.requestId, NOW + 1),
    ])
    expect(wins.filter(Boolean)).toHaveLength(1)
    expect(await storage.authProcesses.getRequest(r.requestId)).toMatchObject({ consumed: NOW + 1 })
    // Spent: no attempt, no validation, no second consumption.
    expect(await storage.authProcesses.takeAttempt(r.requestId, NOW + 2)).toBeUndefined()
    expect(await storage.authProcesses.markValidated(r.requestId, NOW + 2)).toBe(false)
    expect(await storage.authProcesses.consume(r.requestId, NOW + 2)).toBe(false)
  })

  it('finds the live validated requests of recipients, newest first, and prunes expired ones', async () => {
    const recipient = `${randomUUID()}@example.org`
    const phone = `+32${Date.now() % 1_000_000_000}`
    const old = request('p', { recipient, created: NOW - 10, validated: NOW })
    const fresh = request('p', { recipient, created: NOW, validated: NOW })
    const byPhone = request('p', { recipient: phone, created: NOW - 5, validated: NOW })
    const unvalidated = request('p', { recipient })
    const consumed = request('p', { recipient, validated: NOW, consumed: NOW })
    const expired = request('p', { recipient, validated: NOW, expires: NOW - 1 })
    const dead = request('p', { recipient, validated: NOW, attempts: 3, maxAttempts: 3 })
    for (const r of [old, fresh, byPhone, unvalidated, consumed, expired, dead])
      await storage.authProcesses.insertRequest(r)
    const found = await storage.authProcesses.findLoginRequests([recipient, phone], NOW, 10)
    expect(found.map((r) => r.requestId)).toEqual([fresh.requestId, byPhone.requestId, old.requestId])
    expect(await storage.authProcesses.findLoginRequests([recipient], NOW, 1)).toEqual([fresh])
    expect(await storage.authProcesses.findLoginRequests([], NOW, 10)).toEqual([])

    expect(await storage.authProcesses.pruneRequests(NOW)).toBeGreaterThanOrEqual(1)
    expect(await storage.authProcesses.getRequest(expired.requestId)).toBeUndefined()
    expect(await storage.authProcesses.getRequest(fresh.requestId)).toEqual(fresh)
  })

  it('stores the kind of user tokens: invitations say so, ordinary tokens read back as written', async () => {
    const userId = randomUUID()
    const ordinary = { userId, tokenId: 't1', hash: 'h1', created: NOW, validity: 60 }
    const invitation = {
      userId,
      tokenId: 't2',
      hash: 'h2',
      created: NOW + 1,
      validity: 60,
      kind: 'invitation' as const,
    }
    await storage.insertUserToken(ordinary)
    await storage.insertUserToken(invitation)
    expect(await storage.getUserToken(userId, 't1')).toEqual(ordinary)
    expect(await storage.getUserToken(userId, 't2')).toEqual(invitation)
    expect(await storage.findUserTokens(userId)).toEqual([ordinary, invitation])
  })
}

describe('auth process store contract (SQLite)', () => {
  contract(() => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cairn-auth-process-'))
    return {
      storage: createStorage({ dataDir }),
      cleanup: () => Promise.resolve(rmSync(dataDir, { recursive: true, force: true })),
    }
  })
})

const databaseUrl = process.env.DATABASE_URL
describe.skipIf(!databaseUrl)('auth process store contract (PostgreSQL)', () => {
  contract(() => {
    const pgSchema = `cairn_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`
    return {
      storage: createStorage({ databaseUrl: databaseUrl!, dataDir: 'unused', pgSchema }),
      cleanup: () => dropPgSchema(databaseUrl!, pgSchema),
    }
  })
})
