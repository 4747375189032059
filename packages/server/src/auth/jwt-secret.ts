import { randomBytes } from 'node:crypto'
import { link, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

/** Name of the generated secret's file in the data directory. */
export const JWT_SECRET_FILE = 'jwt-secret'

/**
 * Shortest accepted CAIRN_JWT_SECRET, in characters: HS256 wants at least 256 bits of key, and a
 * shorter, human-chosen string is the usual way such a key gets guessed.
 */
const MIN_SECRET_LENGTH = 32

/** Where the signing secret came from, for the start-up log line (never the secret itself). */
export interface JwtSecret {
  readonly secret: string
  readonly source: 'environment' | 'file-created' | 'file'
  /** The file holding the secret, when it came from one. */
  readonly path?: string
}

/**
 * The HMAC key of access and refresh tokens. Never in the database, so that a dump or a backup of it
 * cannot mint tokens: `CAIRN_JWT_SECRET` when set (every instance of a multi-instance deployment must
 * get the same value), else a file in the data directory, created on first start with 256 random bits
 * and mode 0600. Two instances starting together on one data directory both use the one file that
 * was linked into place first. A file readable by others is refused.
 */
export async function loadJwtSecret(configured: string | undefined, dataDir: string): Promise<JwtSecret> {
  if (configured !== undefined) {
    if (configured.length < MIN_SECRET_LENGTH)
      throw new Error(`CAIRN_JWT_SECRET must be at least ${MIN_SECRET_LENGTH} characters long`)
    return { secret: configured, source: 'environment' }
  }
  const path = join(dataDir, JWT_SECRET_FILE)
  await mkdir(dataDir, { recursive: true })
  // Written whole to a private file, then linked into place: link() fails if the name exists, so of
  // two instances starting together one creates the file and the other reads it, never half-written.
  const draft = `${path}.${process.pid}.${randomBytes(6).toString('hex')}`
  try {
    const secret = `${randomBytes(32).toString('base64url')}\n`
    await writeFile(draft, secret, { flag: 'wx', mode: 0o600 })
    await link(draft, path).catch(async (error: NodeJS.ErrnoException) => {
      // File systems without hard links (some network or FUSE mounts): an exclusive create instead.
      if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'].includes(error.code ?? '')) throw error
      await writeFile(path, secret, { flag: 'wx', mode: 0o600 })
    })
    return { secret: await readSecret(path), source: 'file-created', path }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  } finally {
    await rm(draft, { force: true })
  }
  const { mode } = await stat(path)
  // Group or others may read it: anyone with that access could sign tokens for any user.
  if ((mode & 0o077) !== 0)
    throw new Error(
      `${path} is readable by other users (mode ${(mode & 0o777).toString(8)}): run chmod 600 on it`,
    )
  return { secret: await readSecret(path), source: 'file', path }
}

async function readSecret(path: string): Promise<string> {
  const secret = (await readFile(path, 'utf8')).trim()
  if (secret.length < MIN_SECRET_LENGTH)
    throw new Error(`${path} holds no usable secret: delete it to have a new one generated`)
  return secret
}
