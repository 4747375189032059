import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BackupError } from './backup-error.ts'
import { readManifest } from './backup-manifest.ts'

/**
 * readManifest: what `cairn restore` accepts as a backup before it reads any other file. A manifest
 * is data from wherever the backup was kept: a path leaving the folder, a file listed twice, a
 * missing database or another format version must stop the restore, not steer it.
 */
describe('readManifest', () => {
  let dir: string
  const hash = 'a'.repeat(64)
  const valid = {
    format: 'cairn-sqlite-backup',
    formatVersion: 1,
    createdAt: '2024-05-01T03:00:00.000Z',
    finishedAt: '2024-05-01T03:00:02.000Z',
    cairnVersion: '0.1.0',
    schema: { latestMigration: '0014_audit_log', migrations: 14 },
    audit: { entries: 2, anchor: { seq: 0, hash: '0'.repeat(64) }, head: { seq: 2, hash } },
    attachmentFiles: 1,
    order: 'cairn.db first',
    files: [
      { path: 'cairn.db', bytes: 10, sha256: hash },
      { path: 'audit.db', bytes: 10, sha256: hash },
      { path: 'attachments/5f0c/9d1e', bytes: 3, sha256: hash },
    ],
  }
  const withManifest = async (manifest: unknown) => {
    await writeFile(
      join(dir, 'manifest.json'),
      typeof manifest === 'string' ? manifest : JSON.stringify(manifest),
    )
    return readManifest(dir)
  }
  const refusal = (manifest: unknown) =>
    withManifest(manifest).then(
      () => undefined,
      (e: unknown) => e,
    )

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cairn-manifest-'))
  })
  afterAll(() => rm(dir, { recursive: true, force: true }))

  it('reads a valid manifest', async () => {
    expect(await withManifest(valid)).toEqual(valid)
  })

  it('refuses a folder without a manifest, and one that is not JSON', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'cairn-manifest-none-'))
    try {
      await expect(readManifest(empty)).rejects.toThrow(/is not a Cairn backup: it has no manifest\.json/)
    } finally {
      await rm(empty, { recursive: true })
    }
    expect(await refusal('{"format": ')).toMatchObject({ kind: 'bad-backup', message: /not valid JSON/ })
  })

  it('refuses paths outside the folder, unexpected or repeated files, and missing databases', async () => {
    const files = (extra: { path: string; sha256?: string }[]) => ({
      ...valid,
      files: [...valid.files.slice(0, 2), ...extra.map((f) => ({ bytes: 1, sha256: hash, ...f }))],
    })
    for (const path of ['attachments/../../etc/passwd', '/etc/passwd', 'attachments/./x', 'attachments//x'])
      expect(await refusal(files([{ path }])), path).toMatchObject({ kind: 'bad-backup', message: /unsafe/ })
    expect(await refusal(files([{ path: 'jwt-secret' }]))).toMatchObject({
      message: /unexpected file jwt-secret/,
    })
    expect(await refusal(files([{ path: 'cairn.db' }]))).toMatchObject({
      message: /cairn\.db is listed twice/,
    })
    expect(await refusal({ ...valid, files: valid.files.slice(1) })).toMatchObject({
      message: /cairn\.db is not listed/,
    })
    expect(await refusal(files([{ path: 'attachments/a/b', sha256: 'nothex' }]))).toMatchObject({
      message: /malformed size or SHA-256/,
    })
  })

  it('reads the attachment store and secret fingerprint, refusing an unknown store', async () => {
    const more = { ...valid, attachmentStore: 'directory', secretFingerprint: 'x'.repeat(43) }
    expect(await withManifest(more)).toEqual(more)
    expect(await refusal({ ...valid, attachmentStore: 's3' })).toMatchObject({
      kind: 'bad-backup',
      message: /unknown attachment store "s3"/,
    })
  })

  it('refuses another format or format version, naming the version that made it', async () => {
    const other = await refusal({ ...valid, format: 'something-else' })
    expect(other).toBeInstanceOf(BackupError)
    expect(other).toMatchObject({ kind: 'bad-backup', message: /not a Cairn backup manifest/ })
    expect(await refusal({ ...valid, formatVersion: 2, cairnVersion: '9.0.0' })).toMatchObject({
      message:
        /format version 2, this Cairn reads version 1: restore it with the Cairn that made it \(9\.0\.0\)/,
    })
  })
})
