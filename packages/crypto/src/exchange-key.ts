import type { ExchangeKeyDto } from '@cairn/protocol'
import { exchangeKeySignedText } from './aad.ts'
import { type AesKey, generateAesKey, importAesKey } from './aes.ts'
import { ua2hex, utf8_2ua } from './binary.ts'
import { CryptoError } from './crypto-error.ts'
import type { KeyPairHandle } from './key-pair.ts'
import type { PublicKeyHandle } from './public-key.ts'
import { rsaDecrypt, rsaEncrypt, rsaSign, rsaVerify } from './rsa.ts'
import { PROTOCOL_VERSION } from './version.ts'
import { sha256 } from './web-crypto.ts'

/** The cryptographic content of an exchange-key record; the caller (or server) adds id, rev, created. */
export type ExchangeKeyRecord = Omit<ExchangeKeyDto, 'id' | 'rev' | 'created'>

/** An opened and verified exchange key, with what its delegator signed about it. */
export interface OpenedExchangeKey {
  key: AesKey
  /** Creation time the delegator signed (its clock, ms): clients prefer the newest record they verify. */
  keyCreated: number
  /** Fingerprints the delegator encrypted the key for when it created it (signed, sorted). */
  recipients: string[]
}

/** Hex SHA-256 of the sorted fingerprints joined by ',': the recipient list as it is signed. */
async function recipientsHash(fingerprints: readonly string[]): Promise<string> {
  return ua2hex(await sha256(utf8_2ua([...fingerprints].sort().join(','))))
}

/**
 * Creates the exchange key K(delegator -> delegate) of an ordered pair of data owners: a random
 * AES-256 key, RSA-OAEP-encrypted for every recipient public key (those of delegator and delegate the
 * caller has verified; duplicates by fingerprint are dropped, and the signer's own key is always added
 * so the delegator can read it back), and signed by `signer`, one of the delegator's keys, over
 * `cairn:v2:xk:<delegator>:<delegate>:<hex SHA-256(K)>:<created>:<recipients hash>`. The signature is what lets readers refuse a key
 * substituted by the server. Costs one RSA encryption per distinct recipient plus one signature.
 */
export async function createExchangeKey(params: {
  delegatorId: string
  delegateId: string
  signer: KeyPairHandle
  recipients: PublicKeyHandle[]
  /** Signed creation time; defaults to now. */
  now?: number
}): Promise<{ record: ExchangeKeyRecord; key: AesKey; opened: OpenedExchangeKey }> {
  const { delegatorId, delegateId, signer } = params
  const key = await generateAesKey()
  const keyCreated = params.now ?? Date.now()
  const recipients = new Map<string, PublicKeyHandle>([[signer.fingerprint, signer]])
  for (const r of params.recipients) if (!recipients.has(r.fingerprint)) recipients.set(r.fingerprint, r)
  const signedRecipients = [...recipients.keys()].sort()
  // Built before any RSA work so invalid ids fail fast and cheaply.
  const signedText = exchangeKeySignedText(
    delegatorId,
    delegateId,
    ua2hex(await sha256(key.raw)),
    keyCreated,
    await recipientsHash(signedRecipients),
  )

  const entries = await Promise.all(
    [...recipients.values()].map(async (r) => [r.fingerprint, await rsaEncrypt(r, key.raw)] as const),
  )
  const signature = await rsaSign(signer, utf8_2ua(signedText))
  return {
    record: {
      v: PROTOCOL_VERSION,
      delegator: delegatorId,
      delegate: delegateId,
      keyCreated,
      recipients: signedRecipients,
      encryptedKey: Object.fromEntries(entries),
      signature,
      signerFingerprint: signer.fingerprint,
    },
    key,
    opened: { key, keyCreated, recipients: signedRecipients },
  }
}

/**
 * Opens an exchange-key record: decrypts K with an own key that has an entry, then verifies the
 * delegator's signature over the recomputed hash of K. Only a key that passes both may be used.
 * - no entry for any own key, or decryption fails: CryptoError CANNOT_DECRYPT;
 * - `signerFingerprint` is not among `delegatorPublicKeys`, or the signature does not match this K and
 *   this pair: CryptoError BAD_SIGNATURE (e.g. the server replaced an entry with a key it knows).
 *
 * `delegatorPublicKeys` must be the keys the caller trusts for `record.delegator`, and the caller must
 * check that `record.delegator` / `record.delegate` are the pair it expects: both ids are signed, so a
 * record cannot be relabelled, but only the caller knows which pair it asked for.
 */
export async function openExchangeKey(params: {
  record: ExchangeKeyRecord
  ownKeys: KeyPairHandle[]
  delegatorPublicKeys: PublicKeyHandle[]
}): Promise<OpenedExchangeKey> {
  const { record, ownKeys, delegatorPublicKeys } = params
  if (record.v !== PROTOCOL_VERSION) {
    throw new CryptoError(
      'UNSUPPORTED_VERSION',
      `unsupported protocol version ${String(record.v ?? 1)} of exchange key ${record.delegator} -> ${record.delegate} (this SDK reads protocol version ${PROTOCOL_VERSION})`,
    )
  }
  if (
    !Number.isSafeInteger(record.keyCreated) ||
    (record.keyCreated as number) < 0 ||
    !Array.isArray(record.recipients)
  ) {
    throw new CryptoError(
      'BAD_SIGNATURE',
      `bad signature: exchange key ${record.delegator} -> ${record.delegate} lacks its signed creation time or recipients`,
    )
  }
  const recipients = [...record.recipients].sort()
  const keyCreated = record.keyCreated as number
  const entries: unknown = record.encryptedKey
  if (typeof entries !== 'object' || entries === null || Array.isArray(entries))
    throw new CryptoError('CANNOT_DECRYPT', 'cannot decrypt: the exchange key has no entry map')
  const candidates = ownKeys.filter(
    (k) =>
      Object.hasOwn(record.encryptedKey, k.fingerprint) &&
      typeof record.encryptedKey[k.fingerprint] === 'string',
  )
  if (candidates.length === 0) {
    throw new CryptoError(
      'CANNOT_DECRYPT',
      'cannot decrypt: the exchange key has no entry for any of our keys',
    )
  }

  let key: AesKey | undefined
  let lastError: unknown
  // Normally exactly one candidate; if several own keys have entries, one corrupted entry must not hide
  // a good one.
  for (const own of candidates) {
    try {
      key = await importAesKey(await rsaDecrypt(own, record.encryptedKey[own.fingerprint]))
      break
    } catch (e) {
      lastError = e
    }
  }
  if (!key) {
    throw new CryptoError(
      'CANNOT_DECRYPT',
      'cannot decrypt: the exchange key entry for our key is unreadable',
      {
        cause: lastError,
      },
    )
  }

  const signer = delegatorPublicKeys.find((k) => k.fingerprint === record.signerFingerprint)
  if (!signer) {
    throw new CryptoError(
      'BAD_SIGNATURE',
      `bad signature: exchange key signed by ${record.signerFingerprint}, not a known key of delegator ${record.delegator}`,
    )
  }
  const text = exchangeKeySignedText(
    record.delegator,
    record.delegate,
    ua2hex(await sha256(key.raw)),
    keyCreated,
    await recipientsHash(recipients),
  )
  if (!(await rsaVerify(signer, utf8_2ua(text), record.signature))) {
    throw new CryptoError(
      'BAD_SIGNATURE',
      `bad signature: exchange key ${record.delegator} -> ${record.delegate} is not signed by its delegator`,
    )
  }
  return { key, keyCreated, recipients }
}

/**
 * Returns a copy of `record` with K also encrypted for `recipient` (give-access-back after a data owner
 * lost her key, or a new device key). The signature is untouched: it covers K and the recipients chosen
 * at creation, so an added recipient is readable but not part of `recipients`.
 * `key` must be the K of this record, as returned by {@link openExchangeKey}. If the recipient already
 * has an entry, the copy is returned unchanged (no RSA operation).
 */
export async function addExchangeKeyRecipient<R extends ExchangeKeyRecord>(params: {
  record: R
  key: AesKey
  recipient: PublicKeyHandle
}): Promise<R> {
  const { record, key, recipient } = params
  if (Object.hasOwn(record.encryptedKey, recipient.fingerprint)) {
    return { ...record, encryptedKey: { ...record.encryptedKey } }
  }
  const entry = await rsaEncrypt(recipient, key.raw)
  return { ...record, encryptedKey: { ...record.encryptedKey, [recipient.fingerprint]: entry } }
}
