import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createStorage, dropPgSchema, StorageConflict } from './index.ts'
import type { DocWrite, Storage } from './index.ts'
import { userRow } from '../testing/user-row.ts'

/*
 * The Storage methods of user management (pages of users, lookups skipping deleted users, tokens,
 * a professional created with its user in one transaction), against embedded SQLite and, when
 * DATABASE_URL is set, PostgreSQL in a random schema dropped at the end.
 */

const user = userRow

const doc = (id: string): DocWrite => ({
  id,
  rev: '1-a',
  doc: `{"id":"${id}","rev":"1-a"}`,
  created: 1,
  modified: 1,
  indexes: {},
})

async function conflictOf(promise: Promise<unknown>): Promise<StorageConflict> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(StorageConflict)
  return error as StorageConflict
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

  it('pages non-deleted users by id, by ids and by data owner, with the count of every match', async () => {
    const p = randomUUID()
    const ids = [1, 2, 3, 4].map((n) => `${p}-${n}`)
    for (const id of ids) await storage.insertUser(user(id, { dataOwnerId: `owner-${id}` }))
    await storage.insertUser(
      user(`${p}-5`, { login: `DELETED:${p}-5`, email: null, deletionDate: 5, status: 'DISABLED' }),
    )
    const all = [...ids, `${p}-5`]
    const first = await storage.findUsersPage({ ids: all }, undefined, 3)
    expect(first.users.map((u) => u.id)).toEqual(ids.slice(0, 3))
    expect(first.total).toBe(4)
    const next = await storage.findUsersPage({ ids: all }, ids[3], 3)
    expect(next.users.map((u) => u.id)).toEqual([ids[3]])
    expect(next.total).toBe(4)
    const one = await storage.findUsersPage({ ids: all, dataOwnerId: `owner-${ids[1]}` }, undefined, 10)
    expect(one).toEqual({ users: [await storage.getUser(ids[1])], total: 1 })
    expect(await storage.findUsersPage({ ids: [] }, undefined, 10)).toEqual({ users: [], total: 0 })
    const everyone = await storage.findUsersPage({}, undefined, 10_000)
    expect(everyone.users.map((u) => u.id)).toEqual(expect.arrayContaining(ids))
    expect(everyone.users.map((u) => u.id)).not.toContain(`${p}-5`)
    expect(everyone.total).toBe(everyone.users.length)
  })

  it('finds users by email and identifier, never a deleted one', async () => {
    const p = randomUUID()
    const alive = user(`${p}-a`)
    const gone = user(`${p}-d`, { deletionDate: 9, dataOwnerId: `owner-${p}` })
    await storage.insertUser(alive)
    await storage.insertUser(gone)
    expect((await storage.findUserByEmail(alive.email!))?.id).toBe(alive.id)
    expect(await storage.findUserByEmail(gone.email!)).toBeUndefined()
    expect(await storage.findUserByIdentifier(gone.login)).toBeUndefined()
    expect(await storage.findUsersByDataOwner(`owner-${p}`)).toEqual([])
  })

  it('lists and deletes tokens; an update may delete them all in its transaction', async () => {
    const p = randomUUID()
    const u = user(p)
    await storage.insertUser(u)
    for (const [n, created] of [
      ['t2', 2],
      ['t1', 1],
      ['t3', 3],
    ] as const)
      await storage.insertUserToken({ userId: p, tokenId: n, hash: `h-${n}`, created, validity: 60 })
    expect((await storage.findUserTokens(p)).map((t) => t.tokenId)).toEqual(['t1', 't2', 't3'])
    expect(await storage.deleteUserTokens(p, ['t2', 'nope'])).toBe(1)
    expect(await storage.deleteUserTokens(p, [])).toBe(0)
    expect((await storage.findUserTokens(p)).map((t) => t.tokenId)).toEqual(['t1', 't3'])
    // A stale update deletes nothing.
    await conflictOf(storage.updateUser({ ...u, rev: '2-x' }, '9-stale', { deleteTokens: true }))
    expect(await storage.findUserTokens(p)).toHaveLength(2)
    await storage.updateUser({ ...u, rev: '2-u', passwordHash: 'new' }, u.rev, { deleteTokens: true })
    expect(await storage.findUserTokens(p)).toEqual([])
    expect((await storage.getUser(p))?.passwordHash).toBe('new')
  })

  it('inserts a professional and its user together, or neither', async () => {
    const p = randomUUID()
    const hcp = `${p}-hcp`
    await storage.insertDataOwnerWithUser(
      'healthcareProfessional',
      doc(hcp),
      user(`${p}-u1`, { dataOwnerId: hcp }),
    )
    expect((await storage.getDoc('healthcareProfessional', hcp))?.doc).toBe(doc(hcp).doc)
    expect((await storage.findUsersByDataOwner(hcp)).map((u) => u.id)).toEqual([`${p}-u1`])

    // A taken login: no professional left behind.
    const orphan = `${p}-orphan`
    const clash = await conflictOf(
      storage.insertDataOwnerWithUser(
        'healthcareProfessional',
        doc(orphan),
        user(`${p}-u2`, { login: `login-${p}-u1` }),
      ),
    )
    expect(clash.ids).toEqual([`${p}-u2`])
    expect(await storage.getDoc('healthcareProfessional', orphan)).toBeUndefined()
    // A data-owner id taken by another kind: no user left behind.
    await storage.insertDocs('patient', [doc(`${p}-pat`)])
    const taken = await conflictOf(
      storage.insertDataOwnerWithUser('healthcareProfessional', doc(`${p}-pat`), user(`${p}-u3`)),
    )
    expect(taken.ids).toEqual([`${p}-pat`])
    expect(await storage.getUser(`${p}-u3`)).toBeUndefined()
  })

  it('keeps one user per data owner under concurrent inserts (the unique index)', async () => {
    const owner = `owner-${randomUUID()}`
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () => storage.insertUser(user(randomUUID(), { dataOwnerId: owner }))),
    )
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(StorageConflict)
    expect(await storage.findUsersByDataOwner(owner)).toHaveLength(1)
  })
}

describe('Storage users: SQLite (embedded)', () =>
  contract(() => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cairn-users-'))
    return {
      storage: createStorage({ dataDir }),
      cleanup: () => Promise.resolve(rmSync(dataDir, { recursive: true, force: true })),
    }
  }))

describe.skipIf(!process.env.DATABASE_URL)('Storage users: PostgreSQL (set DATABASE_URL to run)', () =>
  contract(() => {
    const databaseUrl = process.env.DATABASE_URL!
    const pgSchema = `cairn_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`
    return {
      storage: createStorage({ databaseUrl, dataDir: 'unused', pgSchema }),
      cleanup: () => dropPgSchema(databaseUrl, pgSchema),
    }
  }),
)
