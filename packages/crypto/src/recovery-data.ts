import { recoveryBlobAad, recoveryKdfInfo, type RecoveryDerivation } from './aad.ts'
import { aesDecrypt, aesEncrypt, importAesKey, type AesKey } from './aes.ts'
import { toBufferSource, isBytes } from './bytes.ts'
import { ua2b64Url, ua2utf8, utf8_2ua } from './binary.ts'
import { CryptoError } from './crypto-error.ts'
import type { KeyPairHex } from './key-pair.ts'
import { RECOVERY_SECRET_BYTES } from './recovery-code.ts'
import { PROTOCOL_VERSION } from './version.ts'
import { subtle } from './web-crypto.ts'

// A data owner's recovery data (docs/protocol.md, "Recovery key"): its key pairs, encrypted under a key
// derived from the secret of its recovery code, stored by the server next to a second derived value the
// server checks before handing the ciphertext out.

/** HKDF salt: fixed, a domain label (the secret is uniformly random; see deriveFromRecoverySecret). */
const HKDF_SALT = 'cairn:v2:recovery-salt'
/** `purpose` inside the encrypted JSON: the plaintext says what it is. */
const PURPOSE = 'recovery-key'

/** What the recovery data holds once opened. */
export interface RecoveryData {
  /** The data owner's key pairs (hex PKCS#8 / SPKI) as they were put in. */
  keyPairs: KeyPairHex[]
}

/** The two values a recovery code gives for one data owner. */
export interface RecoveryDerivedValues {
  /** Sent to the server to fetch the recovery data (base64url of 32 bytes); the server keeps its SHA-256. */
  authValue: string
  /** AES-256-GCM key of the recovery data: never leaves the device. */
  key: AesKey
}

/**
 * Derives, with HKDF-SHA-256 over the 15-byte secret of a recovery code, the value that proves the code
 * to the server and the AES key of the recovery data, each with its own `info` naming the data owner
 * (aad.ts `recoveryKdfInfo`). No stretching (PBKDF2, scrypt): the secret is 120 uniformly random bits,
 * not a password, and a search of 2^120 values stays out of reach whatever each guess costs. Throws
 * CryptoError BAD_INPUT unless `secret` is 15 bytes.
 */
export async function deriveFromRecoverySecret(
  secret: Uint8Array,
  dataOwnerId: string,
): Promise<RecoveryDerivedValues> {
  if (!isBytes(secret) || secret.length !== RECOVERY_SECRET_BYTES)
    throw new CryptoError('BAD_INPUT', `a recovery secret is ${RECOVERY_SECRET_BYTES} bytes`)
  const [auth, key] = await Promise.all([
    hkdf(secret, 'recovery-auth', dataOwnerId),
    hkdf(secret, 'recovery-key', dataOwnerId),
  ])
  return { authValue: ua2b64Url(auth), key: await importAesKey(key) }
}

/**
 * Encrypts a data owner's key pairs as its recovery data: AES-256-GCM under `key` of the UTF-8 JSON
 * `{v: 2, purpose: "recovery-key", dataOwnerId, keyPairs}`, with AAD `cairn:v2:recovery-blob:<id>`;
 * base64 of `0x02 ‖ IV ‖ ciphertext ‖ tag` like every AES output of the protocol. Throws CryptoError
 * BAD_INPUT when there is no pair or a pair is not two strings.
 */
export async function encryptRecoveryData(
  key: AesKey,
  dataOwnerId: string,
  keyPairs: readonly KeyPairHex[],
): Promise<string> {
  if (keyPairs.length === 0) throw new CryptoError('BAD_INPUT', 'recovery data needs at least one key pair')
  for (const p of keyPairs)
    if (typeof p?.privateKey !== 'string' || typeof p?.publicKey !== 'string')
      throw new CryptoError('BAD_INPUT', 'a key pair of recovery data is {privateKey, publicKey} in hex')
  const json = JSON.stringify({
    v: PROTOCOL_VERSION,
    purpose: PURPOSE,
    dataOwnerId,
    keyPairs: keyPairs.map((p) => ({ publicKey: p.publicKey, privateKey: p.privateKey })),
  })
  return aesEncrypt(key, utf8_2ua(json), recoveryBlobAad(dataOwnerId))
}

/**
 * Decrypts recovery data made by {@link encryptRecoveryData} for the same data owner. Any change to
 * the ciphertext, another data owner's data, or a wrong key is CryptoError CANNOT_DECRYPT (GCM
 * authenticates first); content that decrypts but is not the expected JSON (version, purpose, data
 * owner, pairs) is BAD_INPUT. The pairs are returned as stored: the caller imports them (which checks
 * that each private key matches its public key) and checks they are the data owner's.
 */
export async function decryptRecoveryData(
  key: AesKey,
  dataOwnerId: string,
  blob: string,
): Promise<RecoveryData> {
  const clear = await aesDecrypt(key, blob, recoveryBlobAad(dataOwnerId))
  let parsed: unknown
  try {
    parsed = JSON.parse(ua2utf8(clear))
  } catch (e) {
    throw new CryptoError('BAD_INPUT', 'recovery data is not JSON', { cause: e })
  }
  const data = parsed as { v?: unknown; purpose?: unknown; dataOwnerId?: unknown; keyPairs?: unknown }
  if (data?.v !== PROTOCOL_VERSION)
    throw new CryptoError('UNSUPPORTED_VERSION', `recovery data of version ${String(data?.v)}`)
  if (data.purpose !== PURPOSE || data.dataOwnerId !== dataOwnerId)
    throw new CryptoError('BAD_INPUT', `this is not the recovery data of data owner ${dataOwnerId}`)
  const pairs = data.keyPairs
  if (
    !Array.isArray(pairs) ||
    pairs.length === 0 ||
    !pairs.every(
      (p: Partial<KeyPairHex> | null) =>
        typeof p?.privateKey === 'string' && typeof p?.publicKey === 'string',
    )
  )
    throw new CryptoError('BAD_INPUT', 'recovery data holds no key pairs')
  return {
    keyPairs: (pairs as KeyPairHex[]).map((p) => ({ publicKey: p.publicKey, privateKey: p.privateKey })),
  }
}

/** 32 bytes of HKDF-SHA-256 (WebCrypto, in Node as in browsers) for one derivation of one data owner. */
async function hkdf(
  secret: Uint8Array,
  derivation: RecoveryDerivation,
  dataOwnerId: string,
): Promise<Uint8Array<ArrayBuffer>> {
  const info = utf8_2ua(recoveryKdfInfo(derivation, dataOwnerId))
  const ikm = await subtle().importKey('raw', toBufferSource(secret), 'HKDF', false, ['deriveBits'])
  const bits = await subtle().deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt: utf8_2ua(HKDF_SALT), info },
    ikm,
    256,
  )
  return new Uint8Array(bits)
}
