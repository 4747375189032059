import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { DataSample, Patient, type MedTechApi } from '@cairn/sdk'
import {
  SOURCE_NODE_ARGS,
  disposeServer,
  startServer,
  type ServerProcess,
} from '../support/server-process.ts'
import { login } from '../support/actors.ts'
import { createHcp, type HcpCredentialsFile } from '../../packages/cli/src/commands/create-hcp.ts'

/**
 * `cairn backup` and `cairn restore` (docs/production.md, "Backups: SQLite"), as an operator runs
 * them: a backup taken while a real server keeps writing, restored into a fresh data directory, a
 * new server on it reading back (and the SDK decrypting) what was written before the backup, the
 * access log intact and holding an entry for every record of the restored data; and the refusals,
 * each with its exit code: a corrupted backup, a folder that is none, a data directory that holds a
 * database, one a running server has open, PostgreSQL, a backup without the server's attachment
 * folder; and --force, which swaps only after every check passed and moves the old files aside
 * (a newer backup, a broken access log or a wrong head leave the old database as it was).
 */

const ROOT = new URL('../..', import.meta.url).pathname

interface CairnRun {
  code: number
  stdout: string
  stderr: string
}

/** Runs `cairn …` from its sources with `env` on top of a clean environment (no DATABASE_URL). */
function cairn(args: string[], env: Record<string, string>): Promise<CairnRun> {
  const base = { ...(process.env as Record<string, string>) }
  for (const name of ['DATABASE_URL', 'CAIRN_PG_SCHEMA', 'CAIRN_DATA_DIR', 'CAIRN_ATTACHMENT_DIR'])
    delete base[name]
  return new Promise((resolve) =>
    execFile(
      process.execPath,
      [...SOURCE_NODE_ARGS, 'packages/cli/src/main.ts', ...args],
      { cwd: ROOT, env: { ...base, ...env }, timeout: 120_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    ),
  )
}

/** Rows of one query on a SQLite file the test opens behind the servers' backs (they are stopped). */
function query<T>(file: string, text: string): T[] {
  const db = new Database(file, { fileMustExist: true })
  try {
    return db.prepare(text).all() as T[]
  } finally {
    db.close()
  }
}

describe('cairn backup and cairn restore (SQLite)', () => {
  let root: string
  let server: ServerProcess | undefined
  let restored: ServerProcess | undefined
  let doctor: HcpCredentialsFile
  let backupDir: string
  const before: { id: string; note: string }[] = []
  let sample: { id: string; documentId: string; content: string; bytes: Uint8Array }

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'cairn-backup-'))
    backupDir = join(root, 'backup')
    server = await startServer({ env: { CAIRN_ATTACHMENT_DIR: join(root, 'attachments') } })
    doctor = await createHcp({
      url: server.url,
      adminLogin: server.adminLogin,
      adminPassword: server.adminPassword,
      login: `backup-doctor-${Date.now()}@example.org`,
      firstName: 'Backup',
      lastName: 'Doctor',
    })
  })
  afterAll(async () => {
    await disposeServer(server)
    await disposeServer(restored)
    await rm(root, { recursive: true, force: true })
  })

  it('backs up while the server writes; the restored copy reads back, decrypts and its access log verifies', async () => {
    const api: MedTechApi = await login(server!, doctor.login, doctor.password, [doctor.keyPair])
    for (let i = 0; i < 3; i++) {
      const note = `written before the backup #${i}`
      const p = await api.patientApi.createOrModifyPatient(
        new Patient({ firstName: `Before${i}`, lastName: 'B', note }),
      )
      before.push({ id: p.id!, note })
    }
    const content = 'blood pressure 120/80, encrypted'
    const ds = await api.dataSampleApi.createOrModifyDataSampleFor(
      before[0].id,
      new DataSample({ content: { en: { stringValue: content } } }),
    )
    const bytes = new TextEncoder().encode('an attachment, encrypted on the device '.repeat(500))
    const doc = await api.dataSampleApi.setDataSampleAttachment(ds.id!, bytes.slice().buffer, 'scan.txt')
    sample = { id: ds.id!, documentId: doc.id!, content, bytes }

    // Writes go on for the whole backup: each one a new patient (and its entry in the access log).
    let writing = true
    let duringBackup = 0
    const writer = (async () => {
      while (writing) {
        await api.patientApi.createOrModifyPatient(
          new Patient({ firstName: `During${duringBackup}`, lastName: 'D' }),
        )
        duringBackup++
      }
    })()
    const backup = await cairn(['backup', backupDir], {
      CAIRN_DATA_DIR: server!.dataDir,
      CAIRN_ATTACHMENT_DIR: join(root, 'attachments'),
    })
    writing = false
    await writer
    expect(backup.code, backup.stderr).toBe(0)
    expect(duringBackup).toBeGreaterThan(0)
    expect(backup.stdout).toMatch(/Backup written to .*: data as of /)
    expect(backup.stdout).toMatch(/Access log: \d+ entries, head seq \d+, hash [0-9a-f]{64}/)

    const manifest = JSON.parse(await readFile(join(backupDir, 'manifest.json'), 'utf8')) as {
      cairnVersion: string
      schema: { latestMigration: string }
      attachmentFiles: number
      attachmentStore: string
      secretFingerprint: string
      audit: { head: { seq: number; hash: string } }
      files: { path: string; bytes: number; sha256: string }[]
    }
    expect(manifest.schema.latestMigration).toMatch(/^\d{4}_/)
    expect(manifest.attachmentFiles).toBe(1)
    expect(manifest.attachmentStore).toBe('directory')
    // A fingerprint of the signing secret (an HMAC), never the secret.
    expect(manifest.secretFingerprint).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const secret = (await readFile(join(server!.dataDir, 'jwt-secret'), 'utf8')).trim()
    expect(await readFile(join(backupDir, 'manifest.json'), 'utf8')).not.toContain(secret)
    expect(manifest.files.map((f) => f.path)).toEqual([
      'cairn.db',
      'audit.db',
      `attachments/${sample.id}/${sample.documentId}`,
    ])
    // Only the files of the manifest: no WAL or shared-memory file, and never the token signing secret.
    expect((await readdir(backupDir)).sort()).toEqual([
      'attachments',
      'audit.db',
      'cairn.db',
      'manifest.json',
    ])

    await server!.stop()

    // Restore into a fresh data directory and attachment folder, as on a new machine.
    const dataDir = join(root, 'restored')
    const attachmentDir = join(root, 'restored-attachments')
    const restore = await cairn(['restore', backupDir], {
      CAIRN_DATA_DIR: dataDir,
      CAIRN_ATTACHMENT_DIR: attachmentDir,
    })
    expect(restore.code, restore.stderr).toBe(0)
    expect(restore.stdout).toContain(`into ${dataDir}`)
    expect(restore.stdout).toContain('PRAGMA integrity_check ok')
    expect(restore.stdout).toContain(`head seq ${manifest.audit.head.seq}, hash ${manifest.audit.head.hash}`)
    expect(restore.stdout).toContain('No token signing secret')

    // The order of the copies (data first, access log last): every record in the restored data has
    // its creation in the restored access log, those created during the backup included.
    const patients = query<{ id: string }>(join(dataDir, 'cairn.db'), 'select id from patient')
    expect(patients.length).toBeGreaterThanOrEqual(before.length)
    const created = new Set(
      query<{ entity_id: string }>(
        join(dataDir, 'audit.db'),
        "select entity_id from audit_log where action = 'create'",
      ).map((r) => r.entity_id),
    )
    expect(patients.filter((p) => !created.has(p.id))).toEqual([])

    restored = await startServer({ dataDir, env: { CAIRN_ATTACHMENT_DIR: attachmentDir } })
    const again = await login(restored, doctor.login, doctor.password, [doctor.keyPair])
    for (const { id, note } of before) expect((await again.patientApi.getPatient(id)).note).toBe(note)
    const readSample = await again.dataSampleApi.getDataSample(sample.id)
    expect(readSample.content.en.stringValue).toBe(sample.content)
    const attachment = await again.dataSampleApi.getDataSampleAttachmentContent(sample.id, sample.documentId)
    expect(Buffer.from(attachment).equals(Buffer.from(sample.bytes))).toBe(true)

    const verify = await cairn(['audit', 'verify'], { CAIRN_DATA_DIR: dataDir })
    expect(verify.code, verify.stderr).toBe(0)
    expect(verify.stdout).toContain('Audit log intact')
    // Three `cairn` processes from the sources and two servers: on a loaded 2-core machine, over a minute.
  }, 180_000)

  it('refuses a data directory that holds a database, and replaces none that a running server has open', async () => {
    const env = {
      CAIRN_DATA_DIR: restored!.dataDir,
      CAIRN_ATTACHMENT_DIR: join(root, 'restored-attachments'),
    }
    const occupied = await cairn(['restore', backupDir], env)
    expect(occupied.code).toBe(4)
    expect(occupied.stderr).toMatch(/already holds a Cairn database .*--force/)
    const running = await cairn(['restore', backupDir, '--force'], env)
    expect(running.code).toBe(5)
    expect(running.stderr).toMatch(/open in another process: a Cairn server is running on .*stop it/)
    // The server was not disturbed.
    const api = await login(restored!, doctor.login, doctor.password, [doctor.keyPair])
    expect((await api.patientApi.getPatient(before[1].id)).note).toBe(before[1].note)
  })

  it('refuses a corrupted backup and a folder that is no backup, and restores nothing', async () => {
    const damaged = join(root, 'damaged')
    await cp(backupDir, damaged, { recursive: true })
    const file = join(damaged, 'cairn.db')
    const bytes = await readFile(file)
    bytes[Math.floor(bytes.length / 2)] ^= 0x01
    await writeFile(file, bytes)
    const target = join(root, 'never-restored')
    const env = { CAIRN_DATA_DIR: target, CAIRN_ATTACHMENT_DIR: join(root, 'never-restored-attachments') }
    const corrupted = await cairn(['restore', damaged], env)
    expect(corrupted.code).toBe(3)
    expect(corrupted.stderr).toMatch(/cairn\.db does not match the manifest .*corrupted or was altered/)
    expect(existsSync(join(target, 'cairn.db'))).toBe(false)

    const none = await cairn(['restore', root], env)
    expect(none.code).toBe(3)
    expect(none.stderr).toMatch(/is not a Cairn backup: it has no manifest\.json/)
    const usage = await cairn(['restore'], env)
    expect(usage.code).toBe(1)
    expect(existsSync(join(target, 'cairn.db'))).toBe(false)
  })

  it('refuses a backup folder that is not empty, and PostgreSQL (pointing to pg_dump)', async () => {
    const notEmpty = await cairn(['backup', backupDir], { CAIRN_DATA_DIR: restored!.dataDir })
    expect(notEmpty.code).toBe(2)
    expect(notEmpty.stderr).toMatch(/already exists and is not empty/)
    // Refused before any connection: the URL need not reach a database.
    const pg = { DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test' }
    const backup = await cairn(['backup', join(root, 'pg-backup')], pg)
    expect(backup.code).toBe(2)
    expect(backup.stderr).toMatch(/PostgreSQL .*pg_dump.*docs\/production\.md/)
    expect(existsSync(join(root, 'pg-backup'))).toBe(false)
    const restore = await cairn(['restore', backupDir], pg)
    expect(restore.code).toBe(2)
    expect(restore.stderr).toMatch(/PostgreSQL.*pg_restore.*docs\/production\.md/)
  })
  it("refuses a backup run without the server's attachment folder, and a restore set up for another store", async () => {
    // The restored server records that it keeps attachment files in its folder: a backup without it
    // would silently lack them.
    const without = await cairn(['backup', join(root, 'no-attachments')], {
      CAIRN_DATA_DIR: restored!.dataDir,
    })
    expect(without.code).toBe(2)
    expect(without.stderr).toMatch(
      /keeps the attachment files in .*restored-attachments.*without CAIRN_ATTACHMENT_DIR/,
    )
    expect(existsSync(join(root, 'no-attachments'))).toBe(false)
    const elsewhere = await cairn(['backup', join(root, 'no-attachments')], {
      CAIRN_DATA_DIR: restored!.dataDir,
      CAIRN_ATTACHMENT_DIR: join(root, 'some-other-folder'),
    })
    expect(elsewhere.code).toBe(2)
    expect(elsewhere.stderr).toMatch(/this command was given .*some-other-folder/)
    // A backup whose server kept attachments in the database, restored with an attachment folder.
    const inDatabase = await tamper('in-database', async (dir, manifest) => {
      manifest.attachmentStore = 'database'
      manifest.files = manifest.files.filter((f) => !f.path.startsWith('attachments/'))
      await rm(join(dir, 'attachments'), { recursive: true })
    })
    const target = join(root, 'never-restored-store')
    const refused = await cairn(['restore', inDatabase], {
      CAIRN_DATA_DIR: target,
      CAIRN_ATTACHMENT_DIR: join(root, 'never-restored-store-attachments'),
    })
    expect(refused.code).toBe(2)
    expect(refused.stderr).toMatch(/kept its attachments in the database.*unset CAIRN_ATTACHMENT_DIR/)
    expect(existsSync(target)).toBe(false)
  })

  it('--force replaces nothing when a check fails: a newer backup, a broken access log, a wrong head', async () => {
    await restored!.stop()
    const dataDir = restored!.dataDir
    const attachmentDir = join(root, 'restored-attachments')
    const env = { CAIRN_DATA_DIR: dataDir, CAIRN_ATTACHMENT_DIR: attachmentDir }
    const before = await snapshot(dataDir, attachmentDir)

    const newer = await tamper('newer', (_dir, manifest) => {
      manifest.schema.latestMigration = '9999_from_the_future'
      manifest.cairnVersion = '9.9.9'
    })
    const refusedNewer = await cairn(['restore', newer, '--force'], env)
    expect(refusedNewer.code).toBe(3)
    expect(refusedNewer.stderr).toMatch(
      /9999_from_the_future\) is unknown to this Cairn .*newer version \(9\.9\.9\)/,
    )
    expect(await snapshot(dataDir, attachmentDir)).toEqual(before)

    // An entry of the access log altered, the manifest's hashes made to match: only the chain tells.
    const broken = await tamper('broken-chain', (dir) => {
      const db = new Database(join(dir, 'audit.db'))
      try {
        const { seq } = db.prepare('select min(seq) as seq from audit_log').get() as { seq: number }
        db.prepare("update audit_log set entity_id = 'someone-else' where seq = ?").run(seq)
      } finally {
        db.close()
      }
    })
    const refusedBroken = await cairn(['restore', broken, '--force'], env)
    expect(refusedBroken.code, refusedBroken.stderr).toBe(6)
    expect(refusedBroken.stderr).toMatch(
      /access log does not verify: broken at seq \d+.*nothing was replaced/,
    )
    expect(await snapshot(dataDir, attachmentDir)).toEqual(before)

    const wrongHead = await tamper('wrong-head', (_dir, manifest) => {
      manifest.audit.head.hash = 'f'.repeat(64)
    })
    const refusedHead = await cairn(['restore', wrongHead, '--force'], env)
    expect(refusedHead.code).toBe(6)
    expect(refusedHead.stderr).toMatch(/the manifest recorded seq \d+ \(hash f{64}\); nothing was replaced/)
    expect(await snapshot(dataDir, attachmentDir)).toEqual(before)
  })

  it("--force replaces a stopped server's database and attachment files, moving the old ones aside", async () => {
    const dataDir = restored!.dataDir
    const attachmentDir = join(root, 'restored-attachments')
    const before = await snapshot(dataDir, attachmentDir)
    const restore = await cairn(['restore', backupDir, '--force'], {
      CAIRN_DATA_DIR: dataDir,
      CAIRN_ATTACHMENT_DIR: attachmentDir,
    })
    expect(restore.code, restore.stderr).toBe(0)
    expect(restore.stdout).toContain('replacing the database that was there')
    expect(restore.stdout).toMatch(
      /moved aside, not deleted: .*audit\.db\.replaced-.*cairn\.db\.replaced-.*\.replaced-/,
    )
    // The restored server made its own signing secret: not the backed-up one.
    expect(restore.stdout).toContain('Warning: the token signing secret here')

    // The old files, whole, under their new names; no staging folder left.
    const entries = await readdir(dataDir)
    expect(entries.filter((n) => n.startsWith('.restore-'))).toEqual([])
    const asideData = entries.find((n) => /^cairn\.db\.replaced-[0-9TZ-]+$/.test(n))!
    const asideAudit = entries.find((n) => /^audit\.db\.replaced-[0-9TZ-]+$/.test(n))!
    expect(await sha256(join(dataDir, asideData))).toBe(before['cairn.db'])
    expect(await sha256(join(dataDir, asideAudit))).toBe(before['audit.db'])
    const attachmentEntries = await readdir(attachmentDir)
    const asideAttachments = attachmentEntries.find((n) => n.startsWith('.replaced-'))!
    expect(asideAttachments).toBeDefined()
    expect(attachmentEntries.filter((n) => n.startsWith('.restoring-'))).toEqual([])
    const file = join(sample.id, sample.documentId)
    expect(await sha256(join(attachmentDir, asideAttachments, file))).toBe(before[`attachments/${file}`])
    expect(await sha256(join(attachmentDir, file))).toBe(await sha256(join(backupDir, 'attachments', file)))

    // The data is the backup's, and its access log verifies in place.
    const count = (dir: string) =>
      query<{ n: number }>(join(dir, 'cairn.db'), 'select count(*) as n from patient')[0].n
    expect(count(dataDir)).toBe(count(backupDir))
    const verify = await cairn(['audit', 'verify'], { CAIRN_DATA_DIR: dataDir })
    expect(verify.code, verify.stderr).toBe(0)
  })

  /** SHA-256 of a file, hex. */
  async function sha256(file: string): Promise<string> {
    return createHash('sha256')
      .update(await readFile(file))
      .digest('hex')
  }

  /**
   * The content of a data directory and attachment folder: the hash of each file (hidden ones
   * included, so that a staging or moved-aside folder shows), to tell that a refused restore changed
   * nothing.
   */
  async function snapshot(dataDir: string, attachmentDir: string): Promise<Record<string, string>> {
    const out: Record<string, string> = {}
    for (const name of await readdir(dataDir)) out[name] = await sha256(join(dataDir, name))
    for (const entry of await readdir(attachmentDir, { recursive: true, withFileTypes: true }))
      if (entry.isFile()) {
        const path = join(entry.parentPath, entry.name)
        out[`attachments/${path.slice(attachmentDir.length + 1)}`] = await sha256(path)
      }
    return out
  }

  /** A copy of the backup changed by `change`, its manifest's sizes and hashes made to match again. */
  async function tamper(
    name: string,
    change: (dir: string, manifest: TamperedManifest) => void | Promise<void>,
  ): Promise<string> {
    const dir = join(root, name)
    await cp(backupDir, dir, { recursive: true })
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as TamperedManifest
    await change(dir, manifest)
    for (const file of manifest.files) {
      const path = join(dir, ...file.path.split('/'))
      file.bytes = (await readFile(path)).length
      file.sha256 = await sha256(path)
    }
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest))
    return dir
  }
})

/** The parts of a manifest the tests change. */
interface TamperedManifest {
  cairnVersion: string
  attachmentStore: string
  schema: { latestMigration: string }
  audit: { head: { seq: number; hash: string } }
  files: { path: string; bytes: number; sha256: string }[]
}
