import { SdkError } from '../http/sdk-error.ts'
import type { CryptoKeyPairEntry, JwkKeyPair } from './storage-facade.ts'

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null

/** True for a CryptoKey (checked by shape, so that keys of another realm, e.g. an iframe, pass too). */
function isCryptoKey(v: unknown): v is CryptoKey {
  return isObject(v) && typeof v.type === 'string' && isObject(v.algorithm) && Array.isArray(v.usages)
}

/** True for a JWK RSA pair `{publicKey, privateKey}` (the MedTech form of a key-storage entry). */
export function isJwkKeyPair(value: unknown): value is JwkKeyPair {
  return (
    isObject(value) &&
    isObject(value.publicKey) &&
    isObject(value.privateKey) &&
    typeof value.publicKey.kty === 'string' &&
    typeof value.privateKey.kty === 'string'
  )
}

/** True for `{publicKey: <hex SPKI>, privateKey: {decrypt: CryptoKey, sign: CryptoKey}}` (IndexedDbKeyStorage). */
export function isCryptoKeyPairEntry(value: unknown): value is CryptoKeyPairEntry {
  return (
    isObject(value) &&
    typeof value.publicKey === 'string' &&
    isObject(value.privateKey) &&
    isCryptoKey(value.privateKey.decrypt) &&
    isCryptoKey(value.privateKey.sign)
  )
}

/**
 * Checks that a pair given to a storage that writes JSON is a JWK pair: CryptoKeys cannot be written
 * as text (and non-extractable ones not at all), so they are refused with a clear error instead of
 * being stored as `{}`.
 */
export function assertJwkKeyPair(value: unknown, storage: string): asserts value is JwkKeyPair {
  if (isJwkKeyPair(value)) return
  throw new SdkError(
    'BAD_REQUEST',
    isCryptoKeyPairEntry(value)
      ? `${storage} keeps key pairs as JWKs and cannot store CryptoKeys: use IndexedDbKeyStorage for non-extractable keys`
      : `${storage} can only store a key pair {publicKey, privateKey} of JWKs`,
  )
}
