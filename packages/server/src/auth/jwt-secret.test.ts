import { afterEach, describe, expect, it } from 'vitest'
import { chmod, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { JWT_SECRET_FILE, loadJwtSecret } from './jwt-secret.ts'

describe('loadJwtSecret', () => {
  const dirs: string[] = []
  const newDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cairn-jwt-'))
    dirs.push(dir)
    return dir
  }
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true })
  })

  it('gives instances starting together on one data directory the same secret, from one 0600 file', async () => {
    const dir = await newDir()
    const loaded = await Promise.all(Array.from({ length: 8 }, () => loadJwtSecret(undefined, dir)))
    expect(new Set(loaded.map((l) => l.secret)).size).toBe(1)
    expect(loaded.filter((l) => l.source === 'file-created')).toHaveLength(1)
    expect(loaded[0].secret.length).toBeGreaterThanOrEqual(32)
    expect((await stat(join(dir, JWT_SECRET_FILE))).mode & 0o777).toBe(0o600)
    // No draft file is left behind.
    expect(await readdir(dir)).toEqual([JWT_SECRET_FILE])
  })

  it('refuses a secret file that other users may read, and one without a usable secret', async () => {
    const dir = await newDir()
    await loadJwtSecret(undefined, dir)
    await chmod(join(dir, JWT_SECRET_FILE), 0o644)
    await expect(loadJwtSecret(undefined, dir)).rejects.toThrow(/readable by other users \(mode 644\)/)
    await writeFile(join(dir, JWT_SECRET_FILE), 'short\n', { mode: 0o600 })
    await chmod(join(dir, JWT_SECRET_FILE), 0o600)
    await expect(loadJwtSecret(undefined, dir)).rejects.toThrow(/holds no usable secret/)
  })

  it('takes CAIRN_JWT_SECRET as it is, if long enough, without touching the data directory', async () => {
    const dir = await newDir()
    const secret = 'x'.repeat(32)
    expect(await loadJwtSecret(secret, dir)).toEqual({ secret, source: 'environment' })
    expect(await readdir(dir)).toEqual([])
    await expect(loadJwtSecret('x'.repeat(31), dir)).rejects.toThrow(/at least 32 characters/)
  })
})
