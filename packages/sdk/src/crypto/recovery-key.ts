import {
  CryptoError,
  decryptRecoveryData,
  deriveFromRecoverySecret,
  encryptRecoveryData,
  fingerprintOf,
  formatRecoveryCode,
  importKeyPair,
  parseRecoveryCode,
  randomBytes,
  RECOVERY_SECRET_BYTES,
  type KeyPairHandle,
  type KeyPairHex,
} from '@cairn/crypto'
import { MAX_RECOVERY_KEY_PAIRS, ROUTES } from '@cairn/protocol'
import type { HttpClient } from '../http/http-client.ts'
import { SdkError } from '../http/sdk-error.ts'
import { isJwkKeyPair } from '../storage/key-pair-entry.ts'
import type { KeyStorageFacade } from '../storage/storage-facade.ts'
import { jwkToKeyPair } from './key-format.ts'
import { keyEntry } from './own-keys.ts'

// Recovery keys (docs/protocol.md, "Recovery key"): the data owner's key pairs, encrypted on the device
// under a key derived from a code shown once to the person, stored by the server, restored on a new
// device from the code alone.

/** A pair restored from recovery data: its hex form (to store) and its handle (to use). */
export interface RecoveredPair {
  hex: KeyPairHex
  handle: KeyPairHandle
}

/**
 * The secret of a recovery code as a person typed it, checked locally (length, characters, check
 * characters) before anything is sent: a mistyped code is SdkError BAD_REQUEST "This is not a valid
 * recovery key: ... check the characters", and no request is made.
 */
export async function readRecoveryCode(code: string): Promise<Uint8Array> {
  try {
    return await parseRecoveryCode(code)
  } catch (e) {
    if (e instanceof CryptoError) throw new SdkError('BAD_REQUEST', e.message, { cause: e })
    throw e
  }
}

/**
 * The hex PKCS#8 / SPKI form of every key pair of the data owner on this device, for its recovery data:
 * read from the key storage when it keeps JWKs (KeyStorageImpl, FileKeyStorage, MedTech storages), else
 * from the pairs the crypto strategies hold (those given to SimpleMedTechCryptoStrategies, and the one
 * it generated in this session). A pair kept only as a non-extractable CryptoKey (IndexedDbKeyStorage)
 * cannot be exported, by design: that is an SdkError naming it rather than a recovery key that would
 * silently leave it out.
 */
export async function exportOwnPairs(p: OwnPairsSource): Promise<KeyPairHex[]> {
  const { pairs: out, missing } = await exportablePairs(p)
  if (missing.length > 0)
    throw new SdkError(
      'FORBIDDEN',
      `Cannot create a recovery key for data owner ${p.selfId}: the private key(s) ${missing.join(', ')} are ` +
        'kept on this device as non-extractable keys (IndexedDbKeyStorage) and cannot be exported. Create the ' +
        'recovery key in the session that made the key pair (right after the first build), or on a device whose ' +
        'key storage keeps exportable pairs.',
    )
  if (out.length > MAX_RECOVERY_KEY_PAIRS)
    throw new SdkError(
      'BAD_REQUEST',
      `Data owner ${p.selfId} has ${out.length} key pairs on this device; a recovery key holds at most ${MAX_RECOVERY_KEY_PAIRS}`,
    )
  return out
}

/** Where the key pairs of a data owner on this device are found (see {@link exportablePairs}). */
export interface OwnPairsSource {
  selfId: string
  ownKeys: readonly KeyPairHandle[]
  keyStorage: KeyStorageFacade
  strategies: unknown
}

/**
 * The hex PKCS#8 / SPKI form of each key pair of the data owner on this device that can be exported
 * (from the key storage's JWKs, else from the pairs the crypto strategies hold), and the fingerprints
 * of those that cannot (kept only as non-extractable CryptoKeys).
 */
export async function exportablePairs(
  p: OwnPairsSource,
): Promise<{ pairs: KeyPairHex[]; missing: string[] }> {
  const s = p.strategies as { keyPairs?: KeyPairHex[]; generatedKeyPair?: KeyPairHex }
  const held = [...(s.keyPairs ?? []), ...(s.generatedKeyPair ? [s.generatedKeyPair] : [])]
  const pairs: KeyPairHex[] = []
  const missing: string[] = []
  for (const key of p.ownKeys) {
    const stored: unknown = await p.keyStorage.getKeypair(keyEntry(p.selfId, key.fingerprint))
    let pair = isJwkKeyPair(stored) ? await jwkToKeyPair(stored) : undefined
    pair ??= held.find((h) => h.publicKey?.toLowerCase() === key.publicKeyHex)
    if (pair && pair.publicKey.toLowerCase() === key.publicKeyHex)
      pairs.push({ publicKey: key.publicKeyHex, privateKey: pair.privateKey })
    else missing.push(key.fingerprint)
  }
  return { pairs, missing }
}

/**
 * Makes a new recovery code, encrypts `pairs` under the key it gives for this data owner and stores the
 * ciphertext with the value that opens it (replacing any previous recovery key: the old code stops
 * working). Returns the code, to show once. Nothing derived from the code but the opening value leaves
 * the device, and the server keeps only its hash.
 */
export async function storeRecoveryData(
  http: HttpClient,
  selfId: string,
  pairs: readonly KeyPairHex[],
): Promise<string> {
  const secret = randomBytes(RECOVERY_SECRET_BYTES)
  const { authValue, key } = await deriveFromRecoverySecret(secret, selfId)
  const blob = await encryptRecoveryData(key, selfId, pairs)
  const fingerprints = await Promise.all(pairs.map((pair) => fingerprintOf(pair.publicKey)))
  await http.call(ROUTES.recoveryKey.store, {
    params: { dataOwnerId: selfId },
    body: { authValue, blob, fingerprints: [...new Set(fingerprints)] },
  })
  return formatRecoveryCode(secret)
}

/**
 * Fetches this data owner's recovery data with the value `secret` gives, decrypts it and checks every
 * pair: it must import (its halves match, RSA of at least 2048 bits) and be one of `published` (the data
 * owner's published keys). A wrong code is the server's 403 (counted; too many: 429), passed on as is;
 * recovery data that does not decrypt was changed by someone without the code: SdkError INTEGRITY. Pairs
 * the server no longer publishes are left out with a warning; none published at all is an error.
 */
export async function openRecoveryData(
  http: HttpClient,
  selfId: string,
  secret: Uint8Array,
  published: readonly string[],
  warn: (message: string) => void,
): Promise<RecoveredPair[]> {
  const { authValue, key } = await deriveFromRecoverySecret(secret, selfId)
  const { blob } = await http.call(ROUTES.recoveryKey.open, {
    params: { dataOwnerId: selfId },
    body: { authValue },
  })
  let pairs: KeyPairHex[]
  try {
    pairs = (await decryptRecoveryData(key, selfId, blob)).keyPairs
  } catch (e) {
    if (!(e instanceof CryptoError)) throw e
    throw new SdkError(
      'INTEGRITY',
      `The recovery data of data owner ${selfId} does not decrypt with this recovery key although the server ` +
        `accepted it: it was changed on the server (${e.message})`,
      { cause: e },
    )
  }
  const out: RecoveredPair[] = []
  for (const pair of pairs) {
    let handle: KeyPairHandle
    try {
      handle = await importKeyPair({ privateKey: pair.privateKey, publicKey: pair.publicKey.toLowerCase() })
    } catch (e) {
      if (!(e instanceof CryptoError)) throw e
      throw new SdkError(
        'INTEGRITY',
        `The recovery data of data owner ${selfId} holds a key pair that is not valid: ${e.message}`,
        { cause: e },
      )
    }
    if (!published.includes(handle.publicKeyHex)) {
      warn(
        `Key ${handle.fingerprint} of the recovery key of data owner ${selfId} is not published by the server: left out`,
      )
      continue
    }
    out.push({ hex: { privateKey: pair.privateKey, publicKey: handle.publicKeyHex }, handle })
  }
  if (out.length === 0)
    throw new SdkError(
      'INTEGRITY',
      `None of the keys of the recovery key of data owner ${selfId} is one of its published keys`,
    )
  return out
}
