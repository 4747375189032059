import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createStorage, dropPgSchema, StorageConflict } from './index.ts'
import type { DocIndexes, DocTable, DocWrite, Storage, StoredDoc } from './index.ts'
import { EVERY_DOCUMENT_TERM, type IndexQuery } from './index-query.ts'
import { StaleKeyset } from './storage.ts'
import { userRow } from '../testing/user-row.ts'

/*
 * The one contract suite of Storage, run against embedded SQLite (always) and PostgreSQL (when
 * DATABASE_URL is set, in a random schema dropped at the end). Each test uses fresh random ids, so the
 * tests of one suite share one database without seeing each other's rows.
 */

/** How to open storages on one dialect's database, and how to remove that database afterwards. */
interface Target {
  open(): Storage
  cleanup(): Promise<void>
}

function sqliteTarget(): Target {
  const dataDir = mkdtempSync(join(tmpdir(), 'cairn-storage-'))
  return {
    open: () => createStorage({ dataDir }),
    cleanup: () => Promise.resolve(rmSync(dataDir, { recursive: true, force: true })),
  }
}

function postgresTarget(databaseUrl: string): Target {
  const pgSchema = `cairn_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`
  return {
    open: () => createStorage({ databaseUrl, dataDir: 'unused', pgSchema }),
    cleanup: () => dropPgSchema(databaseUrl, pgSchema),
  }
}

/** Every accessible document of `table` for `accessor`, as a keyset page (the filter registry's "all"). */
async function findByAccessor(
  storage: Storage,
  table: DocTable,
  accessor: string,
  startId: string | undefined,
  limit: number,
): Promise<StoredDoc[]> {
  return (await storage.findPage(table, accessor, { op: 'all' }, startId, limit)).docs
}

/** The accessible documents of `table` linked to one of the patient secret ids `sfks`. */
async function findBySecretForeignKeys(
  storage: Storage,
  table: DocTable,
  accessor: string,
  sfks: readonly string[],
  startId: string | undefined,
  limit: number,
): Promise<StoredDoc[]> {
  return (await storage.findPage(table, accessor, { op: 'term', terms: sfks }, startId, limit)).docs
}

/** A fresh id prefix per test; zero-padded suffixes sort the same way in every collation. */
const prefix = () => randomUUID()
const idOf = (p: string, n: number) => `${p}-${String(n).padStart(4, '0')}`

/** A document write whose JSON text has unusual spacing, to prove reads return the stored text as is. */
function write(id: string, indexes: DocIndexes = {}, extra: Partial<DocWrite> = {}): DocWrite {
  const rev = extra.rev ?? '1-a'
  return {
    id,
    rev,
    doc: `{ "id": "${id}",  "rev": "${rev}", "note": "é ✓" }`,
    created: 1_700_000_000_000,
    modified: 1_700_000_000_001,
    indexes,
    ...extra,
  }
}

/** The next rev of a stored write, as a service would build it. */
function next(
  previous: DocWrite,
  indexes: DocIndexes = previous.indexes,
  extra: Partial<DocWrite> = {},
): DocWrite {
  const rev = `${Number(previous.rev.split('-')[0]) + 1}-b`
  return write(previous.id, indexes, {
    rev,
    expectedRev: previous.rev,
    modified: previous.modified + 1,
    ...extra,
  })
}

const user = userRow

/** Asserts that `promise` rejects with a StorageConflict of `reason` on exactly `ids`. */
async function expectConflict(
  promise: Promise<unknown>,
  reason: StorageConflict['reason'],
  ids: string[],
): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(StorageConflict)
  const conflict = error as StorageConflict
  expect(conflict.reason).toBe(reason)
  expect([...conflict.ids].sort()).toEqual([...ids].sort())
}

const ids = (docs: StoredDoc[]) => docs.map((d) => d.id)

function contract(makeTarget: () => Target): void {
  let target: Target
  let storage: Storage

  beforeAll(async () => {
    target = makeTarget()
    storage = target.open()
    await storage.init()
  })

  afterAll(async () => {
    await storage?.close()
    await target?.cleanup()
  })

  it('inserts documents and reads them back as stored', async () => {
    const p = prefix()
    const writes = [1, 2, 3].map((n) => write(idOf(p, n), { access: ['hcp-1'] }))
    await storage.insertDocs('patient', writes)

    const got = await storage.getDoc('patient', writes[0].id)
    expect(got).toEqual({
      id: writes[0].id,
      rev: '1-a',
      doc: writes[0].doc,
      created: 1_700_000_000_000,
      modified: 1_700_000_000_001,
      deleted: false,
    })
    expect(typeof got?.created).toBe('number')
    expect(await storage.getDoc('patient', idOf(p, 9))).toBeUndefined()
    // Documents live in their own table: the same id is unknown elsewhere.
    expect(await storage.getDoc('dataSample', writes[0].id)).toBeUndefined()

    const some = await storage.getDocs('patient', [idOf(p, 3), idOf(p, 9), idOf(p, 1), idOf(p, 1)])
    expect(ids(some).sort()).toEqual([idOf(p, 1), idOf(p, 3)])
    expect(await storage.getDocs('patient', [])).toEqual([])
  })

  it('reads a document with whether an accessor is one of its delegates, in one call', async () => {
    const p = prefix()
    const first = write(idOf(p, 1), { access: [`a-${p}`, `b-${p}`] })
    await storage.insertDocs('dataSample', [first])
    const mine = await storage.getDocFor('dataSample', first.id, `b-${p}`)
    expect(mine).toEqual({ doc: await storage.getDoc('dataSample', first.id), isDelegate: true })
    expect((await storage.getDocFor('dataSample', first.id, `c-${p}`))?.isDelegate).toBe(false)
    expect(await storage.getDocFor('dataSample', idOf(p, 2), `a-${p}`)).toBeUndefined()
    // Access follows the index rows, rewritten by an update.
    await storage.updateDocs('dataSample', [next(first, { access: [`c-${p}`] })])
    expect((await storage.getDocFor('dataSample', first.id, `b-${p}`))?.isDelegate).toBe(false)
    expect((await storage.getDocFor('dataSample', first.id, `c-${p}`))?.isDelegate).toBe(true)
  })

  it('rejects a batch holding an existing id and writes none of it', async () => {
    const p = prefix()
    const first = write(idOf(p, 1), { access: [`owner-${p}`] })
    await storage.insertDocs('healthcareElement', [first])

    const fresh = write(idOf(p, 2), { access: [`other-${p}`], term: [`sfk-${p}`] })
    await expectConflict(storage.insertDocs('healthcareElement', [fresh, write(first.id)]), 'exists', [
      first.id,
    ])
    expect(await storage.getDoc('healthcareElement', fresh.id)).toBeUndefined()
    expect(await findByAccessor(storage, 'healthcareElement', `other-${p}`, undefined, 10)).toEqual([])
    expect((await storage.getDoc('healthcareElement', first.id))?.doc).toBe(first.doc)

    // An id repeated within one batch conflicts the same way.
    const twice = write(idOf(p, 3))
    await expectConflict(storage.insertDocs('healthcareElement', [twice, twice]), 'exists', [twice.id])
    expect(await storage.getDoc('healthcareElement', twice.id)).toBeUndefined()
  })

  it('lets exactly one of two concurrent inserts of an id win', async () => {
    const id = idOf(prefix(), 1)
    const results = await Promise.allSettled([
      storage.insertDocs('dataSample', [write(id, { access: ['a'] }, { rev: '1-x' })]),
      storage.insertDocs('dataSample', [write(id, { access: ['a'] }, { rev: '1-y' })]),
    ])
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    const failure = results.find((r) => r.status === 'rejected') as PromiseRejectedResult
    expect(failure.reason).toBeInstanceOf(StorageConflict)
    expect((failure.reason as StorageConflict).reason).toBe('exists')
  })

  it('never lets two kinds of data owner share an id, even concurrently', async () => {
    const id = idOf(prefix(), 1)
    await storage.insertDocs('patient', [write(id, { access: ['a'] })])
    await expectConflict(storage.insertDocs('healthcareProfessional', [write(id)]), 'exists', [id])
    expect(await storage.getDoc('healthcareProfessional', id)).toBeUndefined()
    const raced = idOf(prefix(), 2)
    const results = await Promise.allSettled([
      storage.insertDocs('medicalDevice', [write(raced)]),
      storage.insertDocs('healthcareProfessional', [write(raced)]),
    ])
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toBeInstanceOf(
      StorageConflict,
    )
    // Samples are not data owners: they claim no data-owner id.
    await storage.insertDocs('dataSample', [write(idOf(prefix(), 3))])
  })

  it('updates documents whose expected rev is current', async () => {
    const p = prefix()
    const original = write(idOf(p, 1), { access: [`owner-${p}`] })
    await storage.insertDocs('dataSample', [original])
    const updated = next(original)
    await storage.updateDocs('dataSample', [updated])
    expect(await storage.getDoc('dataSample', original.id)).toMatchObject({
      rev: updated.rev,
      doc: updated.doc,
      modified: updated.modified,
      deleted: false,
    })

    // Soft delete: still readable by id, gone from the finds.
    const deleted = next(updated, updated.indexes, { deleted: true })
    await storage.updateDocs('dataSample', [deleted])
    expect((await storage.getDoc('dataSample', original.id))?.deleted).toBe(true)
    expect(await findByAccessor(storage, 'dataSample', `owner-${p}`, undefined, 10)).toEqual([])
  })

  it('rejects a batch with a stale rev and changes nothing, index rows included', async () => {
    const p = prefix()
    const a = write(idOf(p, 1), { access: [`old-${p}`], term: [`sfk-old-${p}`] })
    const b = write(idOf(p, 2), { access: [`old-${p}`], term: [`sfk-old-${p}`] })
    await storage.insertDocs('patient', [a, b])

    const goodUpdate = next(a, { access: [`new-${p}`], term: [`sfk-new-${p}`] })
    const staleUpdate = next(b, { access: [`new-${p}`] }, { expectedRev: '7-stale' })
    await expectConflict(storage.updateDocs('patient', [goodUpdate, staleUpdate]), 'stale', [b.id])

    expect(ids(await storage.getDocs('patient', [a.id, b.id])).sort()).toEqual([a.id, b.id])
    for (const doc of await storage.getDocs('patient', [a.id, b.id])) expect(doc.rev).toBe('1-a')
    expect(ids(await findByAccessor(storage, 'patient', `old-${p}`, undefined, 10))).toEqual([a.id, b.id])
    expect(await findByAccessor(storage, 'patient', `new-${p}`, undefined, 10)).toEqual([])
    expect(
      ids(await findBySecretForeignKeys(storage, 'patient', `old-${p}`, [`sfk-old-${p}`], undefined, 10)),
    ).toEqual([a.id, b.id])

    // The same id twice in one batch: the second write was necessarily prepared from a replaced rev.
    await expectConflict(storage.updateDocs('patient', [next(a), next(a)]), 'stale', [a.id])
  })

  it('rejects the update of a missing document and changes nothing', async () => {
    const p = prefix()
    const present = write(idOf(p, 1))
    await storage.insertDocs('medicalDevice', [present])
    const ghost = write(idOf(p, 2), {}, { rev: '2-b', expectedRev: '1-a' })
    await expectConflict(storage.updateDocs('medicalDevice', [next(present), ghost]), 'missing', [ghost.id])
    expect((await storage.getDoc('medicalDevice', present.id))?.rev).toBe('1-a')
    expect(await storage.getDoc('medicalDevice', ghost.id)).toBeUndefined()
  })

  it('rewrites the index rows of a document with it', async () => {
    const p = prefix()
    const [alice, bob] = [`alice-${p}`, `bob-${p}`]
    const original = write(idOf(p, 1), {
      access: [alice, bob, bob],
      term: ['s1', 's2', 's1'],
    })
    await storage.insertDocs('dataSample', [original])
    expect(ids(await findByAccessor(storage, 'dataSample', alice, undefined, 10))).toEqual([original.id])
    expect(ids(await findBySecretForeignKeys(storage, 'dataSample', bob, ['s2'], undefined, 10))).toEqual([
      original.id,
    ])

    await storage.updateDocs('dataSample', [next(original, { access: [bob], term: ['s1'] })])
    expect(await findByAccessor(storage, 'dataSample', alice, undefined, 10)).toEqual([])
    expect(ids(await findByAccessor(storage, 'dataSample', bob, undefined, 10))).toEqual([original.id])
    expect(await findBySecretForeignKeys(storage, 'dataSample', bob, ['s2'], undefined, 10)).toEqual([])
    expect(ids(await findBySecretForeignKeys(storage, 'dataSample', bob, ['s1'], undefined, 10))).toEqual([
      original.id,
    ])
  })

  it('pages through the documents of an accessor and secret foreign keys, in id order', async () => {
    const p = prefix()
    const [hcp, other, sfk] = [`hcp-${p}`, `other-${p}`, `sfk-${p}`]
    const wanted = Array.from({ length: 25 }, (_, n) =>
      write(idOf(p, 2 * n), { access: [hcp, other], term: [sfk] }),
    )
    const noise = [
      ...Array.from({ length: 5 }, (_, n) => write(idOf(p, 100 + n), { access: [other], term: [sfk] })),
      ...Array.from({ length: 5 }, (_, n) => write(idOf(p, 200 + n), { access: [hcp], term: ['x'] })),
      write(idOf(p, 1), { access: [hcp], term: [sfk] }, { deleted: true }),
    ]
    // Inserted out of order, so the order of the results comes from the query.
    await storage.insertDocs('healthcareElement', [...noise, ...wanted].reverse())
    const expected = wanted.map((w) => w.id)

    // The SDK's keyset convention: ask one more than the page; the extra one starts the next page.
    const pages: string[][] = []
    let startId: string | undefined
    do {
      const page = await findBySecretForeignKeys(
        storage,
        'healthcareElement',
        hcp,
        [sfk, 'nope'],
        startId,
        11,
      )
      pages.push(ids(page.slice(0, 10)))
      startId = page[10]?.id
    } while (startId !== undefined)
    expect(pages.map((page) => page.length)).toEqual([10, 10, 5])
    expect(pages.flat()).toEqual(expected)

    const both = await findBySecretForeignKeys(storage, 'healthcareElement', hcp, [sfk, 'x'], undefined, 100)
    expect(both).toHaveLength(30)
    expect(await findBySecretForeignKeys(storage, 'healthcareElement', hcp, [], undefined, 10)).toEqual([])
    expect(await findBySecretForeignKeys(storage, 'healthcareElement', hcp, [sfk], undefined, 0)).toEqual([])
  })

  it('finds every document of an accessor, from a start id', async () => {
    const p = prefix()
    const owner = `owner-${p}`
    const writes = Array.from({ length: 7 }, (_, n) => write(idOf(p, n), { access: [owner] }))
    await storage.insertDocs('patient', [...writes].reverse())
    const all = await findByAccessor(storage, 'patient', owner, undefined, 100)
    expect(ids(all)).toEqual(Array.from({ length: 7 }, (_, n) => idOf(p, n)))
    expect(all[0].doc).toBe(writes.find((w) => w.id === idOf(p, 0))?.doc)
    expect(ids(await findByAccessor(storage, 'patient', owner, idOf(p, 4), 2))).toEqual([
      idOf(p, 4),
      idOf(p, 5),
    ])
    expect(await findByAccessor(storage, 'patient', `nobody-${p}`, undefined, 10)).toEqual([])
  })

  it('answers index queries within the access index, counting every match in the total', async () => {
    const p = prefix()
    const me = `me-${p}`
    // 0..9 readable by me; even ones carry sfk A, multiples of 3 sfk B; 10..11 readable by others only.
    const writes = Array.from({ length: 12 }, (_, n) =>
      write(idOf(p, n), {
        access: n < 10 ? [me] : [`other-${p}`],
        term: [...(n % 2 === 0 ? [`A-${p}`] : []), ...(n % 3 === 0 ? [`B-${p}`] : [])],
      }),
    )
    writes.push(write(idOf(p, 12), { access: [me], term: [`A-${p}`] }, { deleted: true }))
    await storage.insertDocs('dataSample', writes)
    const page = async (query: IndexQuery, startId?: string, limit = 100) =>
      storage.findPage('dataSample', me, query, startId, limit)
    const idsOf = (docs: StoredDoc[]) => docs.map((d) => Number(d.id.slice(-4)))
    const a: IndexQuery = { op: 'term', terms: [`A-${p}`] }
    const b: IndexQuery = { op: 'term', terms: [`B-${p}`] }

    const all = await page({ op: 'all' })
    expect([idsOf(all.docs), all.total]).toEqual([[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 10])
    const onlyA = await page(a)
    expect([idsOf(onlyA.docs), onlyA.total]).toEqual([[0, 2, 4, 6, 8], 5])
    const both = await page({ op: 'and', of: [a, b] })
    expect([idsOf(both.docs), both.total]).toEqual([[0, 6], 2])
    const aOrB: IndexQuery = { op: 'or', of: [a, b] }
    const either = await page(aOrB)
    expect([idsOf(either.docs), either.total]).toEqual([[0, 2, 3, 4, 6, 8, 9], 7])
    const byIds = await page({ op: 'ids', ids: [idOf(p, 3), idOf(p, 11), idOf(p, 12), 'missing'] })
    expect([idsOf(byIds.docs), byIds.total]).toEqual([[3], 1])
    expect(await page({ op: 'none' })).toEqual({ docs: [], total: 0 })
    expect(await page({ op: 'ids', ids: [] })).toEqual({ docs: [], total: 0 })
    expect(await page({ op: 'or', of: [] })).toEqual({ docs: [], total: 0 })

    // Keyset pages: each starts at the id the previous one stopped before, the total stays the same.
    const first = await page(aOrB, undefined, 3)
    const second = await page(aOrB, idOf(p, 4), 3)
    expect([idsOf(first.docs), first.total, idsOf(second.docs), second.total]).toEqual([
      [0, 2, 3],
      7,
      [4, 6, 8],
      7,
    ])
    expect((await page(a, undefined, 0)).total).toBe(5)
    await expect(
      storage.findPage('healthcareProfessional', me, { op: 'all' }, undefined, 10),
    ).rejects.toThrow(/no access index/)
  })

  it('pages in value order from the sort value of its start document, and refuses a start that no longer matches', async () => {
    const p = prefix()
    const me = `me-${p}`
    const code = `code-${p}`
    // Sort values of documents 0..5; ties are broken by id. Every document carries the every-document
    // term, as the search index writes it: the start's value is looked up among all of them.
    const values = [30, 10, 20, 10, 30, 20]
    const writes = values.map((sortValue, n) =>
      write(idOf(p, n), { access: [me], term: [EVERY_DOCUMENT_TERM, code], sortValue }),
    )
    await storage.insertDocs('dataSample', writes)
    const query: IndexQuery = { op: 'term', terms: [code] }
    const page = async (descending: boolean, startId: string | undefined) => {
      const found = await storage.findPage('dataSample', me, query, startId, 2, { by: 'value', descending })
      return [found.docs.map((d) => Number(d.id.slice(-4))), found.total]
    }
    expect(await page(false, undefined)).toEqual([[1, 3], 6])
    expect(await page(false, idOf(p, 2))).toEqual([[2, 5], 6])
    expect(await page(false, idOf(p, 0))).toEqual([[0, 4], 6])
    expect(await page(true, undefined)).toEqual([[4, 0], 6])
    expect(await page(true, idOf(p, 5))).toEqual([[5, 2], 6])

    // A start deleted since the previous page (its index rows gone), or never stored: no page.
    await storage.updateDocs('dataSample', [next(writes[2], {}, { deleted: true })])
    await expect(page(false, idOf(p, 2))).rejects.toBeInstanceOf(StaleKeyset)
    await expect(page(true, idOf(p, 99))).rejects.toBeInstanceOf(StaleKeyset)
    expect(await page(false, idOf(p, 5))).toEqual([[5, 0], 5])
  })

  it('finds the exchange keys of an ordered pair, oldest first', async () => {
    const p = prefix()
    const [a, b, c] = [`a-${p}`, `b-${p}`, `c-${p}`]
    const key = (n: number, delegator: string, delegate: string, created: number) =>
      write(idOf(p, n), { delegator, delegate }, { created })
    await storage.insertDocs('exchangeKey', [
      key(1, a, b, 300),
      key(2, a, b, 100),
      key(3, a, b, 200),
      key(4, b, a, 100),
      key(5, a, c, 100),
    ])
    expect(ids(await storage.findExchangeKeys(a, b))).toEqual([idOf(p, 2), idOf(p, 3), idOf(p, 1)])
    expect(ids(await storage.findExchangeKeys(b, a))).toEqual([idOf(p, 4)])
    expect(await storage.findExchangeKeys(c, a)).toEqual([])

    // Updating a key may move it to another pair.
    await storage.updateDocs('exchangeKey', [next(key(5, a, c, 100), { delegator: c, delegate: a })])
    expect(ids(await storage.findExchangeKeys(c, a))).toEqual([idOf(p, 5)])
    expect(await storage.findExchangeKeys(a, c)).toEqual([])
  })

  it('lists the counterparts of a data owner’s exchange keys, in both directions, itself excepted', async () => {
    const p = prefix()
    const [a, b, c, d] = [`a-${p}`, `b-${p}`, `c-${p}`, `d-${p}`]
    const key = (n: number, delegator: string, delegate: string) =>
      write(idOf(p, n), { delegator, delegate }, { created: n })
    await storage.insertDocs('exchangeKey', [
      key(1, a, b),
      key(2, a, b),
      key(3, b, a),
      key(4, c, a),
      key(5, a, a),
      key(6, d, b),
    ])
    expect(await storage.exchangeKeyCounterparts(a)).toEqual([
      { dataOwnerId: b, outgoing: true, incoming: true },
      { dataOwnerId: c, outgoing: false, incoming: true },
    ])
    expect(await storage.exchangeKeyCounterparts(d)).toEqual([
      { dataOwnerId: b, outgoing: true, incoming: false },
    ])
    expect(await storage.exchangeKeyCounterparts(`nobody-${p}`)).toEqual([])
    // A deleted record no longer makes a counterpart.
    await storage.updateDocs('exchangeKey', [
      next(key(4, c, a), { delegator: c, delegate: a }, { deleted: true }),
    ])
    expect((await storage.exchangeKeyCounterparts(a)).map((x) => x.dataOwnerId)).toEqual([b])
  })

  it('stores users with unique identifiers and optimistic updates', async () => {
    const p = prefix()
    const before = await storage.countUsers()
    const alice = user(`alice-${p}`, { mobilePhone: `+32${p}`, dataOwnerId: `hcp-${p}` })
    await storage.insertUser(alice)
    expect(await storage.getUser(alice.id)).toEqual(alice)
    expect(await storage.getUser(`nobody-${p}`)).toBeUndefined()

    // Taken id, login, email or phone; nullable identifiers may be absent on many users.
    await expectConflict(storage.insertUser({ ...alice, login: `x-${p}`, email: null }), 'exists', [alice.id])
    const taken = [
      user(`b1-${p}`, { login: alice.login }),
      user(`b2-${p}`, { email: alice.email }),
      user(`b3-${p}`, { mobilePhone: alice.mobilePhone }),
      // Identifiers are unique across columns too: a login may not be another user's email.
      user(`b4-${p}`, { login: alice.email! }),
    ]
    for (const row of taken) await expectConflict(storage.insertUser(row), 'exists', [row.id])
    // One user per data owner (unique index): a second user for alice's data owner is refused.
    await expectConflict(
      storage.insertUser(user(`twin-${p}`, { email: null, dataOwnerId: `hcp-${p}` })),
      'exists',
      [`twin-${p}`],
    )
    const bob = user(`bob-${p}`, { email: null, dataOwnerId: `dev-${p}` })
    const carol = user(`carol-${p}`, { email: null })
    await storage.insertUser(bob)
    await storage.insertUser(carol)
    expect(await storage.countUsers()).toBe(before + 3)

    expect((await storage.findUserByIdentifier(alice.login))?.id).toBe(alice.id)
    expect((await storage.findUserByIdentifier(alice.email!))?.id).toBe(alice.id)
    expect((await storage.findUserByIdentifier(alice.mobilePhone!))?.id).toBe(alice.id)
    expect(await storage.findUserByIdentifier(`nobody-${p}`)).toBeUndefined()
    expect((await storage.findUsersByDataOwner(`hcp-${p}`)).map((u) => u.id)).toEqual([alice.id])
    expect((await storage.findUsersByDataOwner(`dev-${p}`)).map((u) => u.id)).toEqual([bob.id])

    const renamed = { ...alice, rev: '2-u', email: `new-${p}@example.org`, status: 'DISABLED' as const }
    await storage.updateUser(renamed, alice.rev)
    expect(await storage.getUser(alice.id)).toEqual(renamed)
    expect((await storage.findUserByIdentifier(`new-${p}@example.org`))?.id).toBe(alice.id)
    expect(await storage.findUserByIdentifier(alice.email!)).toBeUndefined()

    await expectConflict(storage.updateUser({ ...renamed, rev: '3-u', login: 'stale' }, alice.rev), 'stale', [
      alice.id,
    ])
    await expectConflict(
      storage.updateUser({ ...bob, rev: '2-u', login: renamed.login }, bob.rev),
      'exists',
      [bob.id],
    )
    await expectConflict(storage.updateUser(user(`ghost-${p}`), '1-u'), 'missing', [`ghost-${p}`])
    expect(await storage.getUser(alice.id)).toEqual(renamed)
    expect(await storage.getUser(bob.id)).toEqual(bob)
  })

  it('stores long-lived token hashes', async () => {
    const p = prefix()
    const userId = `user-${p}`
    const second = { userId, tokenId: 't2', hash: 'h2', created: 2_000, validity: 3600 }
    const first = { userId, tokenId: 't1', hash: 'h1', created: 1_000, validity: 60 }
    await storage.insertUserToken(second)
    await storage.insertUserToken(first)
    expect(await storage.getUserToken(userId, 't1')).toEqual(first)
    expect(await storage.getUserToken(userId, 'nope')).toBeUndefined()
    expect(await storage.getUserToken(userId, 't2')).toEqual(second)
    expect(await storage.getUserToken(`other-${p}`, 't1')).toBeUndefined()
    await expectConflict(storage.insertUserToken({ ...first, hash: 'h3' }), 'exists', ['t1'])
  })

  it('rotates a session once per generation, even under concurrent refreshes, and revokes by selector', async () => {
    const p = prefix()
    const userId = `user-${p}`
    const session = (id: string, tokenId: string | null = null) => ({
      id: `${id}-${p}`,
      userId,
      created: 1_000,
      authTime: 1_000,
      tokenId,
      generation: 0,
      expires: 10_000,
      notAfter: tokenId ? 50_000 : null,
      revoked: null,
    })
    await storage.insertSession(session('a'))
    await storage.insertSession(session('b', 'tok'))
    await storage.insertSession(session('c'))
    expect(await storage.getSession(`a-${p}`)).toEqual(session('a'))
    // Eight refreshes with the same token at once: exactly one moves the generation.
    const wins = await Promise.all(
      Array.from({ length: 8 }, () => storage.rotateSession(`a-${p}`, 0, 2_000, 20_000)),
    )
    expect(wins.filter(Boolean)).toHaveLength(1)
    expect(await storage.getSession(`a-${p}`)).toMatchObject({ generation: 1, expires: 20_000 })
    expect(await storage.rotateSession(`a-${p}`, 0, 2_000, 20_000)).toBe(false)
    // An expired session does not rotate.
    expect(await storage.rotateSession(`c-${p}`, 0, 10_000, 30_000)).toBe(false)
    expect(await storage.revokeSessions({ userId, tokenId: 'tok' }, 3_000)).toEqual([`b-${p}`])
    expect(await storage.revokeSessions({ userId, exceptSessionId: `a-${p}` }, 4_000)).toEqual([`c-${p}`])
    expect(await storage.rotateSession(`b-${p}`, 0, 2_000, 20_000)).toBe(false)
    expect(await storage.revokeSessions({ userId: `other-${p}` }, 5_000)).toEqual([])
    expect(await storage.revokeSessions({ userId }, 5_000)).toEqual([`a-${p}`])
    expect((await storage.getSession(`a-${p}`))?.revoked).toBe(5_000)
    expect((await storage.getSession(`b-${p}`))?.revoked).toBe(3_000)
    await storage.pruneSessions(4_500)
    expect(await storage.getSession(`b-${p}`)).toBeUndefined()
    expect(await storage.getSession(`a-${p}`)).toBeDefined()
  })

  it('moves login counts with compare-and-set only, and forgets them', async () => {
    const key = `user:${prefix()}`
    const count = (failures: number, lastFailure: number, pending = 0, pendingSince = 0) => ({
      failures,
      lastFailure,
      pending,
      pendingSince,
    })
    // Six attempts at once from nothing: exactly one creates the count.
    const first = count(0, 0, 1, 1_000)
    const created = await Promise.all(
      Array.from({ length: 6 }, () => storage.compareAndSetLoginFailures(key, undefined, first)),
    )
    expect(created.filter(Boolean)).toHaveLength(1)
    // Then only a writer that saw the whole current count (every field) moves it.
    const second = count(1, 2_000, 0, 1_000)
    const moved = await Promise.all(
      Array.from({ length: 6 }, () => storage.compareAndSetLoginFailures(key, first, second)),
    )
    expect(moved.filter(Boolean)).toHaveLength(1)
    for (const stale of [
      first,
      { ...second, pending: 1 },
      { ...second, pendingSince: 0 },
      { ...second, failures: 2 },
    ])
      expect(await storage.compareAndSetLoginFailures(key, stale, count(9, 9))).toBe(false)
    expect((await storage.getLoginFailures([key, 'nobody'])).get(key)).toEqual(second)
    expect((await storage.getLoginFailures([key, 'nobody'])).has('nobody')).toBe(false)
    // Other tests share the database: this key counts at least once in each figure.
    const stats = await storage.loginFailureStats(2_000, 1)
    expect(stats.tracked).toBeGreaterThanOrEqual(1)
    expect(stats.overThreshold).toBeGreaterThanOrEqual(1)
    await storage.clearLoginFailures(key)
    expect((await storage.getLoginFailures([key])).size).toBe(0)
    // Pruning spares a count with a recent pending attempt, however old its last failure.
    await storage.compareAndSetLoginFailures(key, undefined, count(3, 1_000, 1, 5_000))
    await storage.pruneLoginFailures(2_000)
    expect((await storage.getLoginFailures([key])).size).toBe(1)
    await storage.pruneLoginFailures(6_000)
    expect((await storage.getLoginFailures([key])).size).toBe(0)
  })

  it('keeps the first value of a setting, even under concurrent writers', async () => {
    const key = `secret-${prefix()}`
    const values = await Promise.all(
      Array.from({ length: 8 }, (_, n) => storage.setSettingIfAbsent(key, `v${n}`)),
    )
    expect(new Set(values).size).toBe(1)
    expect(await storage.setSettingIfAbsent(key, 'later')).toBe(values[0])
  })

  it('changes a setting only from the value the writer saw, even under concurrent writers', async () => {
    const key = `cas-${prefix()}`
    expect(await storage.getSetting(key)).toBeUndefined()
    const created = await Promise.all(
      Array.from({ length: 6 }, (_, n) => storage.compareAndSetSetting(key, undefined, `v${n}`)),
    )
    expect(created.filter(Boolean)).toHaveLength(1)
    const first = await storage.getSetting(key)
    expect(first).toBe(`v${created.indexOf(true)}`)
    const moved = await Promise.all(
      Array.from({ length: 6 }, (_, n) => storage.compareAndSetSetting(key, first, `w${n}`)),
    )
    expect(moved.filter(Boolean)).toHaveLength(1)
    expect(await storage.getSetting(key)).toBe(`w${moved.indexOf(true)}`)
    expect(await storage.compareAndSetSetting(key, first, 'stale')).toBe(false)
  })

  it('round-trips a batch of 1000 documents with several index rows each', { timeout: 60_000 }, async () => {
    const p = prefix()
    const [hcp, sfk] = [`hcp-${p}`, `sfk-${p}`]
    const writes = Array.from({ length: 1000 }, (_, n) =>
      write(
        idOf(p, n),
        { access: [hcp, `patient-${p}-${n}`, `device-${p}`], term: [sfk, `sfk-${p}-${n}`] },
        { doc: JSON.stringify({ id: idOf(p, n), rev: '1-a', encryptedSelf: 'x'.repeat(1000) }) },
      ),
    )
    let start = performance.now()
    await storage.insertDocs('dataSample', writes)
    const insertMs = performance.now() - start

    const stored = await storage.getDocs(
      'dataSample',
      writes.map((w) => w.id),
    )
    expect(stored).toHaveLength(1000)
    const byId = new Map(stored.map((d) => [d.id, d]))
    for (const w of writes) expect(byId.get(w.id)?.doc).toBe(w.doc)
    expect(ids(await findBySecretForeignKeys(storage, 'dataSample', hcp, [sfk], undefined, 2000))).toEqual(
      writes.map((w) => w.id),
    )

    start = performance.now()
    await storage.updateDocs(
      'dataSample',
      writes.map((w) => next(w, { access: [hcp], term: [sfk] })),
    )
    const updateMs = performance.now() - start
    expect(await findByAccessor(storage, 'dataSample', `device-${p}`, undefined, 10)).toEqual([])
    expect(await findByAccessor(storage, 'dataSample', hcp, undefined, 2000)).toHaveLength(1000)
    console.info(
      `[${storage.dialect}] 1000-doc batch: insert ${insertMs.toFixed(0)} ms, update ${updateMs.toFixed(0)} ms`,
    )
  })

  it('reopens with its data and refuses use after close', async () => {
    const p = prefix()
    const doc = write(idOf(p, 1))
    await storage.insertDocs('healthcareProfessional', [doc])

    const again = target.open()
    await again.init() // migrations already applied: nothing to do
    expect((await again.getDoc('healthcareProfessional', doc.id))?.doc).toBe(doc.doc)
    await again.close()
    await again.close() // idempotent
    await expect(again.getDoc('healthcareProfessional', doc.id)).rejects.toThrow('storage is closed')
    // The first instance is unaffected.
    expect((await storage.getDoc('healthcareProfessional', doc.id))?.rev).toBe('1-a')
  })
}

describe('Storage contract: SQLite (embedded)', () => contract(sqliteTarget))

describe.skipIf(!process.env.DATABASE_URL)('Storage contract: PostgreSQL (set DATABASE_URL to run)', () =>
  contract(() => postgresTarget(process.env.DATABASE_URL!)),
)
