import { randomBytes, randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createStorage, dropPgSchema, type Storage } from './index.ts'
import { BlobUploadCancelled, type BlobKey, type BlobStore } from './blob-store.ts'
import { DATABASE_CHUNK_BYTES, DatabaseBlobStore } from './database-blob-store.ts'
import { DirectoryBlobStore } from './directory-blob-store.ts'

/*
 * The one contract of BlobStore, run against the database store on SQLite and on PostgreSQL (when
 * DATABASE_URL is set) and against the directory store. Each test uses fresh random keys.
 */

interface Target {
  name: string
  enabled: boolean
  open(): Promise<BlobStore>
  /** Leaves the remains of an upload interrupted an hour ago (a crash). */
  leaveInterruptedUpload(key: BlobKey): Promise<void>
  /** How many unfinished uploads' remains are stored (counting may remove them). */
  leftovers(): Promise<number>
  close(): Promise<void>
}

function databaseTarget(
  name: string,
  enabled: boolean,
  make: () => { storage: Storage; cleanup: () => Promise<void> },
): Target {
  let storage: Storage
  let cleanup: () => Promise<void> = () => Promise.resolve()
  return {
    name,
    enabled,
    async open() {
      const made = make()
      storage = made.storage
      cleanup = made.cleanup
      await storage.init()
      return new DatabaseBlobStore(storage.attachments)
    },
    async leaveInterruptedUpload(key) {
      const uploadId = randomUUID()
      await storage.attachments.beginUpload(uploadId, key, Date.now() - 3600_000)
      await storage.attachments.appendChunk(uploadId, 0, randomBytes(100))
    },
    // Pruning everything started before now counts every unfinished upload (none runs meanwhile).
    leftovers: () => storage.attachments.pruneUploads(Date.now() + 1),
    async close() {
      await storage.close()
      await cleanup()
    },
  }
}

function directoryTarget(): Target {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-blobs-'))
  return {
    name: 'directory',
    enabled: true,
    async open() {
      const store = new DirectoryBlobStore(join(dir, 'attachments'))
      await store.init()
      return store
    },
    async leaveInterruptedUpload(key) {
      const folder = join(dir, 'attachments', key.dataSampleId)
      await mkdir(folder, { recursive: true })
      const path = join(folder, `.upload-${key.documentId}-${randomUUID()}`)
      await writeFile(path, randomBytes(100))
      const anHourAgo = new Date(Date.now() - 3600_000)
      await utimes(path, anHourAgo, anHourAgo)
    },
    async leftovers() {
      let n = 0
      for (const folder of await readdir(join(dir, 'attachments')))
        n += (await readdir(join(dir, 'attachments', folder))).filter((f) => f.startsWith('.upload-')).length
      return n
    },
    close: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
  }
}

const sqliteDir = mkdtempSync(join(tmpdir(), 'cairn-blob-db-'))
const pgUrl = process.env.DATABASE_URL
const pgSchema = `cairn_blob_${randomUUID().replaceAll('-', '').slice(0, 16)}`
const TARGETS: Target[] = [
  databaseTarget('database store on SQLite', true, () => ({
    storage: createStorage({ dataDir: sqliteDir }),
    cleanup: () => Promise.resolve(rmSync(sqliteDir, { recursive: true, force: true })),
  })),
  databaseTarget(
    pgUrl ? 'database store on PostgreSQL' : 'database store on PostgreSQL (skipped: set DATABASE_URL)',
    Boolean(pgUrl),
    () => ({
      storage: createStorage({ databaseUrl: pgUrl, dataDir: 'unused', pgSchema }),
      cleanup: () => dropPgSchema(pgUrl!, pgSchema),
    }),
  ),
  directoryTarget(),
]

const key = (dataSampleId = randomUUID()): BlobKey => ({ dataSampleId, documentId: randomUUID() })

/** `bytes` as a stream of pieces of `size` bytes. */
// eslint-disable-next-line @typescript-eslint/require-await -- an async source, as a network stream is
async function* pieces(bytes: Uint8Array, size = 10_000): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size)
}

/** A source that yields `bytes` then fails, as a client hanging up or a size limit would. */
async function* failingAfter(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield* pieces(bytes)
  throw new Error('client went away')
}

async function read(store: BlobStore, k: BlobKey): Promise<Buffer | undefined> {
  const found = await store.get(k)
  if (!found) return undefined
  const parts: Buffer[] = []
  for await (const p of found.stream) parts.push(p as Buffer)
  const all = Buffer.concat(parts)
  expect(all.length).toBe(found.size)
  return all
}

for (const target of TARGETS) {
  describe.runIf(target.enabled)(`BlobStore contract: ${target.name}`, () => {
    let store: BlobStore
    beforeAll(async () => {
      store = await target.open()
    })
    afterAll(() => target.close())

    it('stores a stream and gives it back, whatever its size and pieces', async () => {
      for (const size of [0, 1, DATABASE_CHUNK_BYTES, 3 * DATABASE_CHUNK_BYTES + 17]) {
        const k = key()
        const bytes = randomBytes(size)
        expect(await store.put(k, pieces(bytes, 7_777))).toBe(size)
        expect((await read(store, k))?.equals(bytes), `size ${size}`).toBe(true)
      }
    })

    it('answers nothing for an attachment never stored, and deletes once', async () => {
      const k = key()
      expect(await store.get(k)).toBeUndefined()
      expect(await store.delete(k)).toBe(false)
      await store.put(k, pieces(randomBytes(10)))
      expect(await store.delete(k)).toBe(true)
      expect(await store.get(k)).toBeUndefined()
      expect(await store.delete(k)).toBe(false)
    })

    it('replaces an attachment only once the new bytes are complete', async () => {
      const k = key()
      const first = randomBytes(300_000)
      const second = randomBytes(1000)
      await store.put(k, pieces(first))
      await expect(store.put(k, failingAfter(randomBytes(600_000)))).rejects.toThrow('client went away')
      expect((await read(store, k))?.equals(first)).toBe(true)
      await store.put(k, pieces(second))
      expect((await read(store, k))?.equals(second)).toBe(true)
    })

    it('keeps nothing of an upload whose source fails midway', async () => {
      const k = key()
      await expect(store.put(k, failingAfter(randomBytes(2 * DATABASE_CHUNK_BYTES + 5)))).rejects.toThrow(
        'client went away',
      )
      expect(await store.get(k)).toBeUndefined()
      expect(await store.delete(k)).toBe(false)
      expect(await target.leftovers()).toBe(0)
    })

    it("deletes every attachment of one data sample, and only that sample's", async () => {
      const sample = randomUUID()
      const [a, b, other] = [key(sample), key(sample), key()]
      for (const k of [a, b, other]) await store.put(k, pieces(randomBytes(1000)))
      expect(await store.deleteAllOf(sample)).toBe(2)
      expect(await store.get(a)).toBeUndefined()
      expect(await store.get(b)).toBeUndefined()
      expect(await read(store, other)).toHaveLength(1000)
      expect(await store.deleteAllOf(sample)).toBe(0)
    })

    it('cancels an upload whose data sample loses its attachments meanwhile, keeping nothing', async () => {
      const k = key()
      let release!: () => void
      const gate = new Promise<void>((r) => (release = r))
      async function* slow(): AsyncGenerator<Uint8Array> {
        yield randomBytes(DATABASE_CHUNK_BYTES + 1)
        await gate
        yield randomBytes(10)
      }
      const upload = store.put(k, slow())
      // Let the first piece reach the store before the sample's attachments go.
      await new Promise((r) => setTimeout(r, 100))
      await store.deleteAllOf(k.dataSampleId)
      release()
      await expect(upload).rejects.toBeInstanceOf(BlobUploadCancelled)
      expect(await store.get(k)).toBeUndefined()
    })

    it('sweeps what uploads interrupted before a time left behind, and nothing newer', async () => {
      await target.leaveInterruptedUpload(key())
      await store.sweep(Date.now() - 2 * 3600_000) // the upload is newer than that: it stays
      expect(await target.leftovers()).toBe(1)
      const k = key()
      await target.leaveInterruptedUpload(k)
      await store.sweep(Date.now() - 1800_000)
      expect(await target.leftovers()).toBe(0)
      expect(await store.get(k)).toBeUndefined()
    })

    it('refuses ids that are not UUIDs (they name files in the directory store)', async () => {
      await expect(
        store.put({ dataSampleId: '../etc', documentId: randomUUID() }, pieces(randomBytes(1))),
      ).rejects.toThrow('invalid attachment id')
      await expect(store.get({ dataSampleId: randomUUID(), documentId: 'passwd' })).rejects.toThrow(
        'invalid attachment id',
      )
      await expect(store.deleteAllOf('..')).rejects.toThrow('invalid attachment id')
    })
  })
}
