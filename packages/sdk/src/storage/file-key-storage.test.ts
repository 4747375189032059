import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SdkError } from '../http/sdk-error.ts'
import { FileKeyStorage, keyFileNameOf } from './file-key-storage.ts'
import type { JwkKeyPair, KeyStorageFacade } from './storage-facade.ts'

const mode = async (path: string) => (await stat(path)).mode & 0o777

let root: string
let pair: JwkKeyPair
let other: JwkKeyPair

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'cairn-file-keys-'))
  const gen = async (): Promise<JwkKeyPair> => {
    const k = await crypto.subtle.generateKey(
      { name: 'RSA-OAEP', hash: 'SHA-256', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) },
      true,
      ['encrypt', 'decrypt'],
    )
    return {
      publicKey: await crypto.subtle.exportKey('jwk', k.publicKey),
      privateKey: await crypto.subtle.exportKey('jwk', k.privateKey),
    }
  }
  ;[pair, other] = await Promise.all([gen(), gen()])
})
afterAll(() => rm(root, { recursive: true, force: true }))

describe('FileKeyStorage', () => {
  it('round trip: store, read (pair and halves), overwrite, delete', async () => {
    const s: KeyStorageFacade = new FileKeyStorage(join(root, 'round-trip'))
    const entry = 'cairn.rsa.device.0b1c2d3e-0000-4000-8000-000000000001.00112233445566778899aabbccddeeff'
    expect(await s.getKeypair(entry)).toBeUndefined()
    await s.storeKeyPair(entry, pair)
    expect(await s.getKeypair(entry)).toEqual(pair)
    expect(await s.getPublicKey(entry)).toEqual(pair.publicKey)
    expect(await s.getPrivateKey(entry)).toEqual(pair.privateKey)
    // A new instance over the same directory (a restart) reads the same pair.
    expect(await new FileKeyStorage(join(root, 'round-trip')).getKeypair(entry)).toEqual(pair)
    await s.storeKeyPair(entry, other)
    expect(await s.getKeypair(entry)).toEqual(other)
    await s.deleteKeypair(entry)
    expect(await s.getKeypair(entry)).toBeUndefined()
    await s.deleteKeypair(entry) // deleting a missing entry is not an error
    expect(await readdir(join(root, 'round-trip'))).toEqual([])
  })

  it('creates the directory with mode 0700 (parents too) and writes files with mode 0600', async () => {
    const dir = join(root, 'modes', 'nested', 'keys')
    const previous = process.umask(0o000) // even a permissive umask gives private modes
    try {
      const s = new FileKeyStorage(dir)
      await s.storeKeyPair('a', pair)
      expect(await mode(dir)).toBe(0o700)
      expect(await mode(join(root, 'modes'))).toBe(0o700)
      const files = await readdir(dir)
      expect(files).toEqual(['a.json'])
      expect(await mode(join(dir, 'a.json'))).toBe(0o600)
      await s.storeKeyPair('a', other) // a rewrite replaces the file: still 0600
      expect(await mode(join(dir, 'a.json'))).toBe(0o600)
      expect(JSON.parse(await readFile(join(dir, 'a.json'), 'utf8'))).toEqual(other)
    } finally {
      process.umask(previous)
    }
  })

  it('refuses an existing directory that other users can access, and a file in place of the directory', async () => {
    const open = join(root, 'open')
    await mkdir(open)
    await chmod(open, 0o755)
    const err = await new FileKeyStorage(open).getKeypair('a').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(SdkError)
    expect((err as Error).message).toMatch(/accessible to other users \(mode 755\).*chmod 700/)
    expect(await mode(open)).toBe(0o755) // not changed behind the user's back
    await chmod(open, 0o700)
    expect(await new FileKeyStorage(open).getKeypair('a')).toBeUndefined()
    const file = join(root, 'not-a-dir')
    await writeFile(file, 'x')
    await expect(new FileKeyStorage(file).getKeypair('a')).rejects.toThrow(SdkError)
  })

  it('writes atomically: a temporary file renamed over the entry, nothing left behind on failure', async () => {
    const dir = join(root, 'atomic')
    const s = new FileKeyStorage(dir)
    await s.storeKeyPair('k', pair)
    const fs = process.getBuiltinModule('node:fs')
    const renames: [string, string][] = []
    const rename = vi.spyOn(fs.promises, 'rename').mockImplementation(async (from, to) => {
      renames.push([String(from), String(to)])
      // While the new content is being written, readers still see the old pair in full.
      expect(await s.getKeypair('k')).toEqual(pair)
      const tmp = JSON.parse(await readFile(String(from), 'utf8')) as JwkKeyPair
      expect(tmp).toEqual(other)
      expect(await mode(String(from))).toBe(0o600)
      throw Object.assign(new Error('disk full'), { code: 'ENOSPC' })
    })
    try {
      const err = await s.storeKeyPair('k', other).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(SdkError)
      expect((err as Error).message).toMatch(/cannot write .*k\.json: disk full/)
    } finally {
      rename.mockRestore()
    }
    expect(renames).toHaveLength(1)
    const [from, to] = renames[0]
    expect(to).toBe(join(dir, 'k.json'))
    expect(from.startsWith(join(dir, '.k.json.'))).toBe(true)
    expect(from.endsWith('.tmp')).toBe(true)
    // The failed write changed nothing and left no temporary file.
    expect(await readdir(dir)).toEqual(['k.json'])
    expect(await s.getKeypair('k')).toEqual(pair)
    // Concurrent writes of one entry: one of them wins whole.
    await Promise.all([s.storeKeyPair('k', pair), s.storeKeyPair('k', other), s.storeKeyPair('k', pair)])
    expect([pair, other]).toContainEqual(await s.getKeypair('k'))
    expect(await readdir(dir)).toEqual(['k.json'])
  })

  it('sanitises entry names into distinct file names inside the directory', async () => {
    expect(keyFileNameOf('cairn.rsa.device.0b1c2d3e-aaaa.00ff')).toBe('cairn.rsa.device.0b1c2d3e-aaaa.00ff')
    expect(keyFileNameOf('../../etc/passwd')).toBe('%2E.%2F..%2Fetc%2Fpasswd')
    expect(keyFileNameOf('..')).toBe('%2E.')
    expect(keyFileNameOf('.hidden')).toBe('%2Ehidden')
    expect(keyFileNameOf('a\\b')).toBe('a%5Cb')
    expect(keyFileNameOf('Key')).toBe('%4Bey') // case-insensitive file systems cannot merge Key and key
    expect(keyFileNameOf('a%2F')).toBe('a%252%46')
    expect(keyFileNameOf('clé 1')).toBe('cl%C3%A9%201')
    expect(() => keyFileNameOf('')).toThrow(SdkError)
    expect(() => keyFileNameOf('\uD800')).toThrow(SdkError)
    const long = 'x'.repeat(300)
    expect(keyFileNameOf(long)).toMatch(/^x{64}~[0-9a-f]{64}$/)
    expect(keyFileNameOf(long)).not.toBe(keyFileNameOf(long + 'y'))

    const entries = [
      '../escape',
      'a/b',
      'a%2Fb',
      'A',
      'a',
      '.a',
      '%2Ea',
      'nul',
      'x'.repeat(300),
      'x'.repeat(301),
    ]
    expect(new Set(entries.map(keyFileNameOf)).size).toBe(entries.length)
    const dir = join(root, 'names')
    const s = new FileKeyStorage(dir)
    for (const [i, e] of entries.entries()) await s.storeKeyPair(e, i % 2 ? pair : other)
    for (const [i, e] of entries.entries()) expect(await s.getKeypair(e)).toEqual(i % 2 ? pair : other)
    const files = await readdir(dir)
    expect(files).toHaveLength(entries.length)
    for (const f of files) expect(f).toMatch(/^([a-z0-9._~-]|%[0-9A-F]{2})+\.json$/)
    expect(await readdir(root)).not.toContain('escape.json')
  })

  it('rejects corrupt files and CryptoKey pairs with clear errors', async () => {
    const dir = join(root, 'corrupt')
    const s = new FileKeyStorage(dir)
    await s.storeKeyPair('ok', pair)
    await writeFile(join(dir, 'bad.json'), '{"publicKey": ', { mode: 0o600 })
    await expect(s.getKeypair('bad')).rejects.toThrow(/bad\.json \(entry bad\) is corrupt: it is not JSON/)
    await writeFile(join(dir, 'half.json'), JSON.stringify({ publicKey: pair.publicKey }), { mode: 0o600 })
    await expect(s.getKeypair('half')).rejects.toThrow(
      /is corrupt: it is not a \{publicKey, privateKey\} JWK pair/,
    )
    const k = await crypto.subtle.generateKey(
      { name: 'RSA-PSS', hash: 'SHA-256', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) },
      false,
      ['sign', 'verify'],
    )
    const cryptoKeys = { publicKey: 'ab', privateKey: { decrypt: k.privateKey, sign: k.privateKey } }
    await expect((s as KeyStorageFacade).storeKeyPair('ck', cryptoKeys)).rejects.toThrow(
      /cannot store CryptoKeys/,
    )
    await expect(s.storeKeyPair('x', {} as JwkKeyPair)).rejects.toThrow(SdkError)
    expect(await s.getKeypair('ok')).toEqual(pair)
  })

  it('summarises itself without keys', () => {
    const s = new FileKeyStorage(join(root, 'summary'))
    expect(JSON.stringify(s)).toBe(JSON.stringify({ directory: join(root, 'summary') }))
    expect(s.describe()).toContain(join(root, 'summary'))
  })
})
