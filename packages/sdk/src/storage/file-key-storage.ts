import { SdkError } from '../http/sdk-error.ts'
import { assertJwkKeyPair, isJwkKeyPair } from './key-pair-entry.ts'
import type { JwkKeyPair, KeyStorageFacade } from './storage-facade.ts'

type Fs = typeof import('node:fs')
type Path = typeof import('node:path')
type NodeCrypto = typeof import('node:crypto')

const utf8 = new TextEncoder()

/** Encoded names longer than this are shortened (file names are limited to 255 bytes). */
const MAX_NAME = 200

/**
 * A Node.js builtin, looked up when first needed rather than imported, so that the SDK still bundles
 * and runs in browsers (where FileKeyStorage is simply unavailable).
 */
function builtin<T>(id: 'node:fs' | 'node:path' | 'node:crypto'): T {
  const m = globalThis.process?.getBuiltinModule?.(id)
  if (!m) {
    throw new SdkError(
      'BAD_REQUEST',
      `FileKeyStorage needs Node.js >= 20.16 (process.getBuiltinModule('${id}') is unavailable here); in a browser, use IndexedDbKeyStorage`,
    )
  }
  return m as T
}

/**
 * The file name (without extension) of a key-storage entry: ASCII lower-case letters, digits, `.`, `_`
 * and `-` are kept, every other character (upper-case letters too, so that case-insensitive file
 * systems cannot merge two entries) becomes `%XX` of its UTF-8 bytes, and so does a leading `.`.
 * Distinct entries get distinct names and no name leaves the directory (`..`, `/` and `\` are encoded).
 * Names too long for a file system keep a readable prefix followed by `~` and the SHA-256 of the entry.
 */
export function keyFileNameOf(entry: string): string {
  if (entry.length === 0) throw new SdkError('BAD_REQUEST', 'A key storage entry name cannot be empty')
  let encoded = ''
  for (const c of entry) {
    if (/^[a-z0-9_-]$/.test(c) || (c === '.' && encoded !== '')) encoded += c
    else if (/^[\uD800-\uDFFF]$/.test(c))
      throw new SdkError('BAD_REQUEST', 'Invalid key storage entry name: lone UTF-16 surrogate')
    else for (const b of utf8.encode(c)) encoded += `%${b.toString(16).toUpperCase().padStart(2, '0')}`
  }
  if (encoded.length <= MAX_NAME) return encoded
  const digest = builtin<NodeCrypto>('node:crypto').createHash('sha256').update(entry, 'utf8').digest('hex')
  return `${encoded.slice(0, 64)}~${digest}`
}

/**
 * Key pairs in a private directory, for Node.js apps (MedTech `KeyStorageFacade`): one JSON file
 * `{publicKey, privateKey}` of JWKs per entry (mode 0600), in a directory of mode 0700 created if
 * missing. Writes are atomic (a temporary file, flushed, then renamed over the entry), so a crash
 * leaves the old pair or the new one, never half a file. An existing directory that other users can
 * access is refused rather than silently changed. The private key is in clear in the file: protect the
 * machine's disk (full-disk encryption) and its backups.
 *
 * ```ts
 * medTechApi().withKeyStorage(new FileKeyStorage(join(homedir(), '.my-app', 'keys')))
 * ```
 */
export class FileKeyStorage implements KeyStorageFacade {
  private ready?: Promise<void>

  constructor(readonly directory: string) {
    if (!directory) throw new SdkError('BAD_REQUEST', 'FileKeyStorage needs a directory')
  }

  /** The pair stored under `key`, or undefined; rejects with an SdkError if the file is corrupt. */
  async getKeypair(key: string): Promise<JwkKeyPair | undefined> {
    const file = await this.fileOf(key)
    let raw: string
    try {
      raw = await this.fs().promises.readFile(file, 'utf8')
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw this.ioError('read', file, e)
    }
    let parsed: unknown
    try {
      parsed = JSON.parse(raw)
    } catch (e) {
      throw new SdkError('INTERNAL', `Key storage file ${file} (entry ${key}) is corrupt: it is not JSON`, {
        cause: e,
      })
    }
    if (!isJwkKeyPair(parsed)) {
      throw new SdkError(
        'INTERNAL',
        `Key storage file ${file} (entry ${key}) is corrupt: it is not a {publicKey, privateKey} JWK pair`,
      )
    }
    return { publicKey: parsed.publicKey, privateKey: parsed.privateKey }
  }

  /** The public half stored under `key`. */
  async getPublicKey(key: string): Promise<JsonWebKey | undefined> {
    return (await this.getKeypair(key))?.publicKey
  }

  /** The private half stored under `key`. */
  async getPrivateKey(key: string): Promise<JsonWebKey | undefined> {
    return (await this.getKeypair(key))?.privateKey
  }

  /** Removes the pair under `key` (nothing happens if there is none). */
  async deleteKeypair(key: string): Promise<void> {
    const file = await this.fileOf(key)
    try {
      await this.fs().promises.unlink(file)
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return
      throw this.ioError('delete', file, e)
    }
    await this.syncDirectory()
  }

  /** Stores a JWK pair under `key`, atomically, in a file of mode 0600. */
  async storeKeyPair(key: string, keyPair: JwkKeyPair): Promise<void> {
    assertJwkKeyPair(keyPair, 'FileKeyStorage')
    const file = await this.fileOf(key)
    const { promises: fsp } = this.fs()
    const path = builtin<Path>('node:path')
    const tmp = path.join(this.directory, `.${path.basename(file)}.${globalThis.crypto.randomUUID()}.tmp`)
    const json = JSON.stringify({ publicKey: keyPair.publicKey, privateKey: keyPair.privateKey })
    try {
      const handle = await fsp.open(tmp, 'wx', 0o600)
      try {
        await handle.writeFile(json, 'utf8')
        await handle.sync()
      } finally {
        await handle.close()
      }
      await fsp.rename(tmp, file)
    } catch (e) {
      await fsp.unlink(tmp).catch(() => undefined)
      throw this.ioError('write', file, e)
    }
    await this.syncDirectory()
  }

  /** Where the pairs are, for messages (e.g. the SDK's warning about a newly generated key pair). */
  describe(): string {
    return `the directory ${this.directory} (FileKeyStorage, one file of mode 0600 per key pair)`
  }

  /** A safe summary for logs: the directory only. */
  toJSON(): { directory: string } {
    return { directory: this.directory }
  }

  private fs(): Fs {
    return builtin<Fs>('node:fs')
  }

  /** The file of an entry, once the directory exists and is private. */
  private async fileOf(key: string): Promise<string> {
    const name = keyFileNameOf(key)
    this.ready ??= this.prepareDirectory().catch((e: unknown) => {
      this.ready = undefined
      throw e
    })
    await this.ready
    return builtin<Path>('node:path').join(this.directory, `${name}.json`)
  }

  /** Creates the directory (0700) if missing; refuses one that other users can access. */
  private async prepareDirectory(): Promise<void> {
    const { promises: fsp } = this.fs()
    let created: string | undefined
    try {
      created = await fsp.mkdir(this.directory, { recursive: true, mode: 0o700 })
      if (created !== undefined) await fsp.chmod(this.directory, 0o700)
    } catch (e) {
      throw this.ioError('create', this.directory, e)
    }
    const st = await fsp.stat(this.directory)
    if (!st.isDirectory()) {
      throw new SdkError('BAD_REQUEST', `FileKeyStorage: ${this.directory} is not a directory`)
    }
    if (globalThis.process?.platform !== 'win32' && (st.mode & 0o077) !== 0) {
      throw new SdkError(
        'BAD_REQUEST',
        `FileKeyStorage: ${this.directory} is accessible to other users (mode ${(st.mode & 0o777).toString(8)}); ` +
          'private keys need a private directory: `chmod 700` it or give a path that does not exist yet',
      )
    }
  }

  /** Flushes the directory entry of a rename or unlink (best effort: not every platform can open a directory). */
  private async syncDirectory(): Promise<void> {
    try {
      const dir = await this.fs().promises.open(this.directory, 'r')
      try {
        await dir.sync()
      } finally {
        await dir.close()
      }
    } catch {
      // Windows cannot open a directory; the rename itself is still atomic there.
    }
  }

  private ioError(action: string, file: string, cause: unknown): SdkError {
    if (cause instanceof SdkError) return cause
    return new SdkError('INTERNAL', `FileKeyStorage cannot ${action} ${file}: ${(cause as Error).message}`, {
      cause,
    })
  }
}
