import { type WrapPurpose, selfAad, wrapAad } from './aad.ts'
import { type AesKey, aesDecrypt, aesEncrypt } from './aes.ts'
import { ua2utf8, utf8_2ua } from './binary.ts'
import { CryptoError } from './crypto-error.ts'

/**
 * Encrypts an entity's confidential fields into its `encryptedSelf`: AES-GCM under the entity key `k`
 * of the JSON of `fields`, bound to the entity type and id so it cannot be pasted onto another entity.
 */
export async function encryptSelf(
  k: AesKey,
  entityType: string,
  entityId: string,
  fields: Record<string, unknown>,
): Promise<string> {
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
    throw new CryptoError('BAD_INPUT', 'encrypted fields must be a plain object')
  }
  return aesEncrypt(k, utf8_2ua(JSON.stringify(fields)), selfAad(entityType, entityId))
}

/**
 * Decrypts an `encryptedSelf` back into the field object. CryptoError CANNOT_DECRYPT on a wrong key,
 * another entity's ciphertext, tampering, or content that is not a JSON object.
 */
export async function decryptSelf(
  k: AesKey,
  entityType: string,
  entityId: string,
  b64: string,
): Promise<Record<string, unknown>> {
  const json = ua2utf8(await aesDecrypt(k, b64, selfAad(entityType, entityId)))
  let parsed: unknown
  try {
    parsed = JSON.parse(json)
  } catch (e) {
    throw new CryptoError('CANNOT_DECRYPT', 'cannot decrypt: encrypted fields are not valid JSON', {
      cause: e,
    })
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CryptoError('CANNOT_DECRYPT', 'cannot decrypt: encrypted fields are not a JSON object')
  }
  return parsed as Record<string, unknown>
}

/**
 * Wraps a value for one delegate of one entity under the exchange key K(owner -> delegate): the entity
 * key's raw bytes ('ek'), a secret id ('sid') or the parent patient id ('fk'). Strings are UTF-8 encoded.
 * The result is the `key` of a delegation entry.
 */
export async function wrapValue(
  exchangeKey: AesKey,
  purpose: WrapPurpose,
  entityType: string,
  entityId: string,
  delegateId: string,
  value: Uint8Array | string,
): Promise<string> {
  const bytes = typeof value === 'string' ? utf8_2ua(value) : value
  return aesEncrypt(exchangeKey, bytes, wrapAad(purpose, entityType, entityId, delegateId))
}

/**
 * Unwraps a value made by {@link wrapValue} with the same exchange key and context. CryptoError
 * CANNOT_DECRYPT if anything differs (key, purpose, entity, delegate) or the value was tampered with.
 */
export async function unwrapValue(
  exchangeKey: AesKey,
  purpose: WrapPurpose,
  entityType: string,
  entityId: string,
  delegateId: string,
  b64: string,
): Promise<Uint8Array> {
  return aesDecrypt(exchangeKey, b64, wrapAad(purpose, entityType, entityId, delegateId))
}

/** {@link unwrapValue} decoded as UTF-8: for secret ids ('sid') and parent ids ('fk'). */
export async function unwrapString(
  exchangeKey: AesKey,
  purpose: WrapPurpose,
  entityType: string,
  entityId: string,
  delegateId: string,
  b64: string,
): Promise<string> {
  return ua2utf8(await unwrapValue(exchangeKey, purpose, entityType, entityId, delegateId, b64))
}
