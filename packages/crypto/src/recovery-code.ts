import { ua2hex, utf8_2ua } from './binary.ts'
import { isBytes } from './bytes.ts'
import { CryptoError } from './crypto-error.ts'
import { randomBytes, sha256 } from './web-crypto.ts'

// The recovery code a person writes down (docs/protocol.md, "Recovery key"): 120 random bits as 24
// characters of Crockford's base32, then 4 check characters, in 7 groups of 4 joined by hyphens.

/** Bytes of the random secret a recovery code carries (120 bits). */
export const RECOVERY_SECRET_BYTES = 15

/** Crockford's base32 alphabet: digits and capitals without I, L, O and U. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
/** Characters of the secret (5 bits each) and of the check. */
const DATA_CHARS = 24
const CHECK_CHARS = 4
const GROUP_CHARS = 4
/** Prime modulus of the position-weighted sum (fits the 10 bits it is given). */
const WEIGHTED_SUM_MODULUS = 1021

/** Every error of a mistyped code starts the same, and tells the person what to do. */
const notACode = (why: string) =>
  new CryptoError('BAD_INPUT', `This is not a valid recovery key: ${why}; check the characters`)

/**
 * A new recovery code: {@link RECOVERY_SECRET_BYTES} bytes from the platform CSPRNG, formatted by
 * {@link formatRecoveryCode}. The caller shows it once and derives everything else from it.
 */
export async function generateRecoveryCode(): Promise<string> {
  return formatRecoveryCode(randomBytes(RECOVERY_SECRET_BYTES))
}

/**
 * The text of a recovery code for a 15-byte secret: 24 Crockford base32 characters (most significant
 * bits first) and 4 check characters, in groups of 4 joined by `-`, e.g.
 * `7K3M-Q9XA-...-C4TW`. Throws CryptoError BAD_INPUT unless `secret` is exactly 15 bytes.
 */
export async function formatRecoveryCode(secret: Uint8Array): Promise<string> {
  if (!isBytes(secret) || secret.length !== RECOVERY_SECRET_BYTES)
    throw new CryptoError('BAD_INPUT', `a recovery secret is ${RECOVERY_SECRET_BYTES} bytes`)
  const symbols = toSymbols(secret)
  const text = [...symbols, ...(await checkSymbols(symbols, secret))].map((s) => ALPHABET[s]).join('')
  return text.match(new RegExp(`.{${GROUP_CHARS}}`, 'g'))!.join('-')
}

/**
 * The secret of a recovery code as a person typed it: case does not matter, hyphens and spaces are
 * ignored, `I` and `L` read as `1` and `O` as `0` (Crockford's rules). A wrong length, a character
 * recovery codes never use, or check characters that do not match is CryptoError BAD_INPUT with a
 * message for the person ("This is not a valid recovery key: ... check the characters"); the message
 * never repeats the code.
 */
export async function parseRecoveryCode(text: string): Promise<Uint8Array<ArrayBuffer>> {
  if (typeof text !== 'string') throw notACode('it is not text')
  const chars = text.toUpperCase().replace(/[\s-]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0')
  if (chars.length !== DATA_CHARS + CHECK_CHARS)
    throw notACode(
      `it has ${chars.length} letters and digits where ${DATA_CHARS + CHECK_CHARS} are expected ` +
        `(${(DATA_CHARS + CHECK_CHARS) / GROUP_CHARS} groups of ${GROUP_CHARS})`,
    )
  const symbols: number[] = []
  for (const [i, c] of [...chars].entries()) {
    const s = ALPHABET.indexOf(c)
    if (s < 0) throw notACode(`character ${i + 1} is not one of the letters and digits recovery keys use`)
    symbols.push(s)
  }
  const data = symbols.slice(0, DATA_CHARS)
  const secret = fromSymbols(data)
  const expected = await checkSymbols(data, secret)
  if (expected.some((s, i) => s !== symbols[DATA_CHARS + i]))
    throw notACode('its check characters do not match the others (a character is mistyped)')
  return secret
}

/** The 120 bits of `bytes` as 24 values of 5 bits, most significant first. */
function toSymbols(bytes: Uint8Array): number[] {
  const out: number[] = []
  let acc = 0
  let bits = 0
  for (const b of bytes) {
    acc = (acc << 8) | b
    bits += 8
    while (bits >= 5) {
      bits -= 5
      out.push((acc >> bits) & 31)
    }
    acc &= (1 << bits) - 1
  }
  return out
}

/** The inverse of {@link toSymbols}: 24 values of 5 bits back to 15 bytes. */
function fromSymbols(symbols: number[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(RECOVERY_SECRET_BYTES)
  let acc = 0
  let bits = 0
  let n = 0
  for (const s of symbols) {
    acc = (acc << 5) | s
    bits += 5
    if (bits >= 8) {
      bits -= 8
      out[n++] = (acc >> bits) & 255
    }
    acc &= (1 << bits) - 1
  }
  return out
}

/**
 * The 4 check characters (20 bits) of a secret. The first 10 bits are a position-weighted sum of the
 * 24 characters modulo the prime 1021 (weights 1..24): changing one character by d changes the sum by
 * weight * d, never 0 modulo a prime larger than both, and swapping two neighbours changes it by their
 * difference; so every single mistyped character and every swap of neighbours is detected, always.
 * The other 10 bits are the first bits of SHA-256 over `cairn:v2:recovery-check:<hex secret>`, which
 * catch any other mistake with probability 1 - 2^-10 on top of the sum's own 1 - 2^-10 (a hash alone
 * would miss a single change with probability 2^-20, for about one code in 1,400 somewhere).
 */
async function checkSymbols(data: number[], secret: Uint8Array): Promise<number[]> {
  let sum = 0
  for (const [i, s] of data.entries()) sum = (sum + (i + 1) * s) % WEIGHTED_SUM_MODULUS
  const digest = await sha256(utf8_2ua(`cairn:v2:recovery-check:${ua2hex(secret)}`))
  const hashBits = (digest[0] << 2) | (digest[1] >> 6)
  const value = (sum << 10) | hashBits
  return [15, 10, 5, 0].map((shift) => (value >> shift) & 31)
}
