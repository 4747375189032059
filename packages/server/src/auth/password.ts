import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto'

const scrypt = (pw: string, salt: Buffer, len: number, opts: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) =>
    scryptCb(pw, salt, len, opts, (err, key) => (err ? reject(err) : resolve(key))),
  )

/**
 * scrypt cost: N=2^15, r=8, p=1 (OWASP's minimum recommendation for scrypt), 64 MiB of memory per
 * hash; maxmem is raised above Node's 32 MiB default to allow it.
 */
const PARAMS = { N: 32768, r: 8, p: 1 }
const KEY_LENGTH = 32
const MAXMEM = 128 * 1024 * 1024

/** Hashes a password or token secret with scrypt; the result carries its parameters and salt. */
export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16)
  const key = await scrypt(secret, salt, KEY_LENGTH, { ...PARAMS, maxmem: MAXMEM })
  return `scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$${salt.toString('base64')}$${key.toString('base64')}`
}

/** Checks a secret against a hash made by hashSecret, in constant time. Malformed hashes never match. */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const parts = stored.split('$')
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false
  const [N, r, p] = parts.slice(1, 4).map(Number)
  const salt = Buffer.from(parts[4], 'base64')
  const expected = Buffer.from(parts[5], 'base64')
  const key = await scrypt(secret, salt, expected.length, { N, r, p, maxmem: MAXMEM })
  return key.length === expected.length && timingSafeEqual(key, expected)
}
