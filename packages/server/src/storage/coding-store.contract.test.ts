import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createStorage, dropPgSchema, StorageConflict } from './index.ts'
import type { Storage } from './index.ts'
import type { CodingQuery, CodingWrite } from './coding-store.ts'
import { prefixUpperBound } from './kysely-coding-store.ts'

/*
 * The contract of storage.codings, against embedded SQLite and, when DATABASE_URL is set, PostgreSQL
 * in a random schema dropped at the end. Each test uses its own random coding type, and scopes its
 * queries to it, so the tests share one database without seeing each other's rows.
 */

/** A coding write; words are given already normalised, as the coding service hands them over. */
function coding(
  type: string,
  code: string,
  extra: { rev?: string; expectedRev?: string; regions?: string[]; words?: [string, string][] } = {},
): CodingWrite {
  const id = `${type}|${code}|1`
  const rev = extra.rev ?? '1-a'
  return {
    id,
    rev,
    ...(extra.expectedRev ? { expectedRev: extra.expectedRev } : {}),
    doc: `{"id":"${id}","rev":"${rev}","type":"${type}","code":"${code}","version":"1"}`,
    type,
    code,
    version: '1',
    created: 1_700_000_000_000,
    modified: 1_700_000_000_001,
    regions: extra.regions ?? [],
    words: (extra.words ?? []).map(([language, word]) => ({ language, word })),
  }
}

/** A label search among the codings of `type`. */
const search = (
  type: string,
  words: string[],
  more: { language?: string; region?: string } = {},
): CodingQuery => ({
  op: 'match',
  type,
  words,
  ...more,
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

  /** Ids of every page of `query`, walked `limit` at a time, and the totals each page reported. */
  async function walk(query: CodingQuery, limit: number): Promise<{ ids: string[]; totals: number[] }> {
    const ids: string[] = []
    const totals: number[] = []
    let start: string | undefined
    for (;;) {
      const page = await storage.codings.findPage(query, start, limit + 1)
      totals.push(page.total)
      ids.push(...page.docs.slice(0, limit).map((d) => d.id))
      if (page.docs.length <= limit) return { ids, totals }
      start = page.docs[limit].id
    }
  }

  it('inserts a batch and reads it back as stored; a taken or repeated id writes nothing', async () => {
    const type = `T${randomUUID().slice(0, 8)}`
    const a = coding(type, 'A')
    const b = coding(type, 'B')
    await storage.codings.insert([b, a])
    expect(await storage.codings.get(a.id)).toEqual({
      id: a.id,
      rev: a.rev,
      doc: a.doc,
      created: a.created,
      modified: a.modified,
    })
    expect((await storage.codings.getMany([a.id, b.id, `${type}|none|1`])).map((c) => c.id).sort()).toEqual([
      a.id,
      b.id,
    ])
    const taken = await conflictOf(storage.codings.insert([coding(type, 'C'), coding(type, 'A')]))
    expect(taken).toMatchObject({ reason: 'exists', ids: [a.id] })
    const twice = await conflictOf(storage.codings.insert([coding(type, 'D'), coding(type, 'D')]))
    expect(twice.ids).toEqual([`${type}|D|1`])
    expect(await storage.codings.get(`${type}|C|1`)).toBeUndefined()
    expect(await storage.codings.get(`${type}|D|1`)).toBeUndefined()
  })

  it('updates at the expected rev only, and rewrites the index rows', async () => {
    const type = `T${randomUUID().slice(0, 8)}`
    await storage.codings.insert([
      coding(type, 'A', { regions: ['be'], words: [['en', 'asthma']] }),
      coding(type, 'B', { words: [['en', 'bronchitis']] }),
    ])
    const stale = await conflictOf(
      storage.codings.update([
        coding(type, 'A', { rev: '2-b', expectedRev: '1-a', regions: ['fr'], words: [['en', 'allergy']] }),
        coding(type, 'B', { rev: '2-b', expectedRev: '9-z' }),
      ]),
    )
    expect(stale).toMatchObject({ reason: 'stale', ids: [`${type}|B|1`] })
    expect((await storage.codings.get(`${type}|A|1`))!.rev).toBe('1-a')
    const missing = await conflictOf(
      storage.codings.update([coding(type, 'X', { rev: '2-b', expectedRev: '1-a' })]),
    )
    expect(missing.reason).toBe('missing')

    await storage.codings.update([
      coding(type, 'A', { rev: '2-b', expectedRev: '1-a', regions: ['fr'], words: [['en', 'allergy']] }),
    ])
    expect((await storage.codings.get(`${type}|A|1`))!.rev).toBe('2-b')
    expect(await storage.codings.findIds(search(type, ['asth']), 10)).toEqual([])
    expect(await storage.codings.findIds(search(type, ['all']), 10)).toEqual([`${type}|A|1`])
    expect(await storage.codings.findIds(search(type, [], { region: 'be' }), 10)).toEqual([])
    expect(await storage.codings.findIds(search(type, [], { region: 'fr' }), 10)).toEqual([`${type}|A|1`])
  })

  it('matches every search word by prefix, in one language or any, with exact type and region', async () => {
    const type = `T${randomUUID().slice(0, 8)}`
    const other = `T${randomUUID().slice(0, 8)}`
    await storage.codings.insert([
      coding(type, 'DM', {
        regions: ['be', 'fr'],
        words: [
          ['en', 'diabetes'],
          ['en', 'mellitus'],
          ['fr', 'diabete'],
          ['fr', 'sucre'],
        ],
      }),
      coding(type, 'DI', {
        regions: ['be'],
        words: [
          ['en', 'diabetes'],
          ['en', 'insipidus'],
        ],
      }),
      coding(type, 'DC', { words: [['en', 'diac']] }),
      coding(type, 'ZE', { words: [['el', 'ζήτα']] }),
      coding(other, 'DM', {
        words: [
          ['en', 'diabetes'],
          ['en', 'mellitus'],
        ],
      }),
    ])
    const ids = (q: CodingQuery) => storage.codings.findIds(q, 100)
    expect(await ids(search(type, ['diab']))).toEqual([`${type}|DI|1`, `${type}|DM|1`])
    expect(await ids(search(type, ['diab', 'mell']))).toEqual([`${type}|DM|1`])
    // Each word of the search must start a word of the label: "diabetes" does not start "diac".
    expect(await ids(search(type, ['diabetes', 'm']))).toEqual([`${type}|DM|1`])
    expect(await ids(search(type, ['dia']))).toHaveLength(3)
    expect(await ids(search(type, ['sucre'], { language: 'fr' }))).toEqual([`${type}|DM|1`])
    expect(await ids(search(type, ['sucre'], { language: 'en' }))).toEqual([])
    expect(await ids(search(type, ['mell', 'suc']))).toEqual([`${type}|DM|1`])
    expect(await ids(search(type, [], { language: 'fr' }))).toEqual([`${type}|DM|1`])
    expect(await ids(search(type, ['diab'], { region: 'fr' }))).toEqual([`${type}|DM|1`])
    expect(await ids(search(type, ['ζ']))).toEqual([`${type}|ZE|1`])
    expect(await ids(search(type, ['mellitus', 'x']))).toEqual([])
  })

  it('pages by id from any start, each page with the count of every match', async () => {
    const type = `T${randomUUID().slice(0, 8)}`
    const codes = Array.from({ length: 23 }, (_, i) => `C${String(i).padStart(3, '0')}`)
    await storage.codings.insert(
      codes.map((code, i) =>
        coding(type, code, {
          words: [
            ['en', i % 2 === 0 ? 'even' : 'odd'],
            ['en', 'code'],
          ],
        }),
      ),
    )
    const all = codes.map((c) => `${type}|${c}|1`)
    const walked = await walk(search(type, ['co']), 5)
    expect(walked.ids).toEqual(all)
    expect(new Set(walked.totals)).toEqual(new Set([23]))
    const even = await walk(search(type, ['ev', 'code']), 4)
    expect(even.ids).toEqual(all.filter((_, i) => i % 2 === 0))
    expect(even.totals.every((t) => t === 12)).toBe(true)
    // A page from the middle starts at its id (inclusive), whatever came before.
    const middle = await storage.codings.findPage(search(type, []), all[10], 3)
    expect(middle.docs.map((d) => d.id)).toEqual(all.slice(10, 13))
    expect(middle.total).toBe(23)
    expect(await storage.codings.findIds(search(type, []), 4)).toEqual(all.slice(0, 4))
  })

  it('combines queries: ids, and, or, not', async () => {
    const type = `T${randomUUID().slice(0, 8)}`
    await storage.codings.insert([
      coding(type, 'A', { words: [['en', 'alpha']], regions: ['be'] }),
      coding(type, 'B', { words: [['en', 'beta']], regions: ['be'] }),
      coding(type, 'C', { words: [['en', 'gamma']] }),
    ])
    const [a, b, c] = ['A', 'B', 'C'].map((code) => `${type}|${code}|1`)
    const scoped = (q: CodingQuery): CodingQuery => ({ op: 'and', of: [search(type, []), q] })
    const ids = (q: CodingQuery) => storage.codings.findIds(scoped(q), 100)
    expect(await ids({ op: 'ids', ids: [c, a, 'unknown'] })).toEqual([a, c])
    expect(await ids({ op: 'ids', ids: [] })).toEqual([])
    expect(await ids({ op: 'or', of: [search(type, ['alp']), search(type, ['gam'])] })).toEqual([a, c])
    expect(
      await ids({ op: 'and', of: [search(type, [], { region: 'be' }), { op: 'ids', ids: [b, c] }] }),
    ).toEqual([b])
    expect(await ids({ op: 'not', of: search(type, [], { region: 'be' }) })).toEqual([c])
    expect(await ids({ op: 'all' })).toEqual([a, b, c])
    expect(await ids({ op: 'none' })).toEqual([])
    expect((await storage.codings.findPage(scoped({ op: 'or', of: [] }), undefined, 10)).total).toBe(0)
  })

  it('merges in one transaction: the plan sees the current rows and its writes are applied', async () => {
    const type = `T${randomUUID().slice(0, 8)}`
    const a = coding(type, 'A', { words: [['en', 'old']] })
    await storage.codings.insert([a])
    const seen: string[] = []
    const plan = await storage.codings.merge([a.id, `${type}|B|1`], (current) => {
      seen.push(...current.keys())
      return {
        inserts: [coding(type, 'B', { words: [['en', 'new']] })],
        updates: [
          coding(type, 'A', { rev: '2-b', expectedRev: current.get(a.id)!.rev, words: [['en', 'newer']] }),
        ],
      }
    })
    expect(seen).toEqual([a.id])
    expect(plan.inserts).toHaveLength(1)
    expect((await storage.codings.get(a.id))!.rev).toBe('2-b')
    expect(await storage.codings.findIds(search(type, ['new']), 10)).toEqual([a.id, `${type}|B|1`])

    // A plan inserting a coding that exists fails as a whole: nothing of it is written.
    const failed = await conflictOf(
      storage.codings.merge([`${type}|C|1`], () => ({
        inserts: [coding(type, 'C'), coding(type, 'B')],
        updates: [],
      })),
    )
    expect(failed.reason).toBe('exists')
    expect(await storage.codings.get(`${type}|C|1`)).toBeUndefined()
  })
}

describe('prefixUpperBound', () => {
  it('increments the last code point, so that [prefix, bound) holds exactly the words starting with prefix', () => {
    expect(prefixUpperBound('diab')).toBe('diac')
    expect(prefixUpperBound('a\u{1F600}')).toBe('a\u{1F601}')
    expect(prefixUpperBound('a\ud7ff')).toBe('a\ue000')
  })
})

describe('coding store contract (SQLite)', () => {
  contract(() => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cairn-coding-'))
    return {
      storage: createStorage({ dataDir }),
      cleanup: () => Promise.resolve(rmSync(dataDir, { recursive: true, force: true })),
    }
  })
})

const databaseUrl = process.env.DATABASE_URL
describe.skipIf(!databaseUrl)('coding store contract (PostgreSQL)', () => {
  contract(() => {
    const pgSchema = `cairn_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`
    return {
      storage: createStorage({ databaseUrl: databaseUrl!, dataDir: 'unused', pgSchema }),
      cleanup: () => dropPgSchema(databaseUrl!, pgSchema),
    }
  })
})
