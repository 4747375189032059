import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tombstoneWrite } from '../entities/shared/tombstone.ts'
import { createStorage, dropPgSchema, StorageConflict } from './index.ts'
import type { DocIndexes, DocTable, DocWrite, Storage } from './index.ts'

/*
 * Tombstones in storage (deletion of entities, professionals and devices), on embedded SQLite (always)
 * and PostgreSQL (when DATABASE_URL is set, in a random schema dropped at the end): a deleted document
 * keeps its row and its id, loses its content and every index row, and leaves filters and counts.
 */

interface Target {
  open(): Storage
  cleanup(): Promise<void>
}

function sqliteTarget(): Target {
  const dataDir = mkdtempSync(join(tmpdir(), 'cairn-tombstone-'))
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

/** A live document with content, keys and delegations, as a service would write it. */
function liveWrite(id: string, indexes: DocIndexes): DocWrite {
  const doc = {
    id,
    rev: '1-a',
    note: 'secret content',
    systemMetaData: {
      publicKey: 'ab12',
      keyStatements: [{ statement: 'key-add' }],
      delegations: { someone: [] },
      encryptedSelf: 'Y2lwaGVy',
    },
  }
  return { id, rev: '1-a', doc: JSON.stringify(doc), created: 1_000, modified: 2_000, indexes }
}

/** Asserts that `promise` rejects with a StorageConflict of `reason`. */
async function expectConflict(promise: Promise<unknown>, reason: StorageConflict['reason']): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(StorageConflict)
  expect((error as StorageConflict).reason).toBe(reason)
}

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

  /** Inserts live documents, then replaces them by their tombstones in one batch; the tombstone writes. */
  async function insertThenDelete(table: DocTable, writes: DocWrite[], keepPublicKeys: boolean) {
    await storage.insertDocs(table, writes)
    const stored = await storage.getDocs(
      table,
      writes.map((w) => w.id),
    )
    const tombstones = stored.map((s) => tombstoneWrite(s, 5_000, { keepPublicKeys }))
    await storage.updateDocs(table, tombstones)
    return tombstones
  }

  it('keeps a deleted entity as a tombstone without content, delegations or index rows', async () => {
    const [me, term] = [`hcp-${randomUUID()}`, `t-${randomUUID()}`]
    const [gone, kept] = [randomUUID(), randomUUID()].sort()
    await storage.insertDocs('dataSample', [liveWrite(kept, { access: [me], term: [term] })])
    const [tombstone] = await insertThenDelete(
      'dataSample',
      [liveWrite(gone, { access: [me, 'other'], term: [term] })],
      false,
    )

    const row = await storage.getDoc('dataSample', gone)
    expect(row?.deleted).toBe(true)
    expect(row?.rev).toBe(tombstone.rev)
    expect(row?.rev).toMatch(/^2-/)
    expect(JSON.parse(row!.doc)).toEqual({
      id: gone,
      created: 1_000,
      modified: 5_000,
      deletionDate: 5_000,
      rev: tombstone.rev,
    })
    expect((await storage.getDocFor('dataSample', gone, me))?.isDelegate).toBe(false)
    // Index rows are gone: no filter finds it, and no count includes it.
    const all = await storage.findPage('dataSample', me, { op: 'all' }, undefined, 10)
    expect(all.docs.map((d) => d.id)).toEqual([kept])
    expect(all.total).toBe(1)
    const byTerm = await storage.findPage('dataSample', me, { op: 'term', terms: [term] }, undefined, 10)
    expect(byTerm.docs.map((d) => d.id)).toEqual([kept])
    expect(byTerm.total).toBe(1)
    expect((await storage.findPage('dataSample', 'other', { op: 'all' }, undefined, 10)).total).toBe(0)
  })

  it('deletes a batch all or nothing: one stale rev leaves every document as it was', async () => {
    const me = `hcp-${randomUUID()}`
    const ids = [randomUUID(), randomUUID()]
    await storage.insertDocs(
      'healthcareElement',
      ids.map((id) => liveWrite(id, { access: [me] })),
    )
    const stored = await storage.getDocs('healthcareElement', ids)
    const tombstones = stored.map((s) => tombstoneWrite(s, 5_000, { keepPublicKeys: false }))
    tombstones[1] = { ...tombstones[1], expectedRev: '9-stale' }
    await expectConflict(storage.updateDocs('healthcareElement', tombstones), 'stale')
    for (const id of ids) expect((await storage.getDoc('healthcareElement', id))?.deleted).toBe(false)
    expect((await storage.findPage('healthcareElement', me, { op: 'all' }, undefined, 10)).total).toBe(2)
  })

  it('never gives a deleted id again, and answers a second deletion of the old rev as stale', async () => {
    const id = randomUUID()
    const [tombstone] = await insertThenDelete('patient', [liveWrite(id, { access: ['x'] })], true)
    await expectConflict(storage.insertDocs('patient', [liveWrite(id, { access: ['x'] })]), 'exists')
    // The data-owner id stays claimed: no professional or device can take it either.
    await expectConflict(storage.insertDocs('healthcareProfessional', [liveWrite(id, {})]), 'exists')
    const again = tombstoneWrite(
      { id, rev: '1-a', doc: '{}', created: 1_000, modified: 2_000, deleted: false },
      6_000,
      { keepPublicKeys: true },
    )
    await expectConflict(storage.updateDocs('patient', [again]), 'stale')
    expect((await storage.getDoc('patient', id))?.rev).toBe(tombstone.rev)
  })

  it('keeps the public keys of a deleted data owner, and nothing else', async () => {
    const id = randomUUID()
    const [tombstone] = await insertThenDelete('medicalDevice', [liveWrite(id, {})], true)
    expect(JSON.parse((await storage.getDoc('medicalDevice', id))!.doc)).toEqual({
      id,
      created: 1_000,
      modified: 5_000,
      deletionDate: 5_000,
      systemMetaData: { publicKey: 'ab12', keyStatements: [{ statement: 'key-add' }] },
      rev: tombstone.rev,
    })
    await expectConflict(storage.insertDocs('patient', [liveWrite(id, { access: ['x'] })]), 'exists')
  })
}

describe('Storage tombstones: SQLite (embedded)', () => contract(sqliteTarget))

describe.skipIf(!process.env.DATABASE_URL)('Storage tombstones: PostgreSQL (set DATABASE_URL to run)', () =>
  contract(() => postgresTarget(process.env.DATABASE_URL!)),
)
