import { CryptoError } from './crypto-error.ts'

// Protocol v2 contexts bound as AES-GCM additional authenticated data (and the exchange-key signed text). The exact
// strings are part of protocol v2: changing one makes every existing ciphertext undecryptable.
// Components are joined with ':', so a component containing ':' (or an empty one) is refused: otherwise
// ("a:b", "c") and ("a", "b:c") would give the same context and a value could be moved between them.

/** What a wrapped value is: entity key, secret id, or foreign key (the owning patient's id). */
export type WrapPurpose = 'ek' | 'sid' | 'fk'

const PURPOSES: readonly string[] = ['ek', 'sid', 'fk']

/** Context of an entity's `encryptedSelf`: `cairn:v2:self:<entityType>:<entityId>`. */
export function selfAad(entityType: string, entityId: string): string {
  return 'cairn:v2:self:' + parts(entityType, entityId)
}

/**
 * Context of a value wrapped under an exchange key for one delegate of one entity:
 * `cairn:v2:<purpose>:<entityType>:<entityId>:<delegateId>`. Binding all four means the server cannot
 * move a wrapped key or id to another entity, another delegate, or reuse it as another kind of value.
 */
export function wrapAad(
  purpose: WrapPurpose,
  entityType: string,
  entityId: string,
  delegateId: string,
): string {
  if (!PURPOSES.includes(purpose))
    throw new CryptoError('BAD_INPUT', `unknown wrap purpose: ${String(purpose)}`)
  return 'cairn:v2:' + purpose + ':' + parts(entityType, entityId, delegateId)
}

/**
 * Text signed by the delegator of an exchange key:
 * `cairn:v2:xk:<delegatorId>:<delegateId>:<keyHashHex>:<createdMs>:<recipientsHashHex>`, where
 * `keyHashHex` is hex SHA-256 of the raw key and `recipientsHashHex` hex SHA-256 of the sorted recipient
 * fingerprints joined by ','. Proves that the delegator (not the server) chose this key for this
 * ordered pair, when (by its own clock: clients pick the newest record they can verify) and for which
 * public keys it was encrypted (so a client can tell a record made before a key changed).
 */
export function exchangeKeySignedText(
  delegatorId: string,
  delegateId: string,
  keyHashHex: string,
  createdMs: number,
  recipientsHashHex: string,
): string {
  if (!Number.isSafeInteger(createdMs) || createdMs < 0)
    throw new CryptoError('BAD_INPUT', `invalid exchange key creation time: ${String(createdMs)}`)
  return 'cairn:v2:xk:' + parts(delegatorId, delegateId, keyHashHex, String(createdMs), recipientsHashHex)
}

/**
 * Context of the key of one upload of an attachment (the input of an HMAC under the entity key `k`):
 * `cairn:v2:attachment-key:<entityType>:<entityId>:<documentId>:<saltHex>`. Binding the entity, the
 * document and the upload's random salt gives every upload its own key: frames of one upload cannot be
 * mixed into another, even of the same document.
 */
export function attachmentKeyContext(
  entityType: string,
  entityId: string,
  documentId: string,
  saltHex: string,
): string {
  return 'cairn:v2:attachment-key:' + parts(entityType, entityId, documentId, saltHex)
}

/** Context of the encrypted header (document metadata) of an attachment. */
export function attachmentHeaderAad(entityType: string, entityId: string, documentId: string): string {
  return 'cairn:v2:attachment-header:' + parts(entityType, entityId, documentId)
}

/**
 * Context of chunk `index` of an attachment:
 * `cairn:v2:attachment-chunk:<entityType>:<entityId>:<documentId>:<index>:<last|more>`. The index
 * detects reordered, repeated or dropped frames; the flag detects a stream cut after any frame but the
 * true last one; the entity and document ids detect frames moved from another attachment.
 */
export function attachmentChunkAad(
  entityType: string,
  entityId: string,
  documentId: string,
  index: number,
  last: boolean,
): string {
  if (!Number.isSafeInteger(index) || index < 0)
    throw new CryptoError('BAD_INPUT', `invalid attachment chunk index: ${String(index)}`)
  return (
    'cairn:v2:attachment-chunk:' +
    parts(entityType, entityId, documentId, String(index), last ? 'last' : 'more')
  )
}

/** What a data owner's key signs about another of its keys: adding it (rotation) or revoking it. */
export type KeyStatement = 'key-add' | 'key-revoke'

/**
 * Text a data owner signs with one of its keys about another (or the same) key of its own:
 * `cairn:v2:<statement>:<dataOwnerId>:<fingerprint>`. A `key-add` by a key a client already trusts
 * makes the new key trusted (rotation without asking the user); a `key-revoke` stops every client
 * from encrypting to the key and from trusting what it signs.
 */
export function keyStatementText(statement: KeyStatement, dataOwnerId: string, fingerprint: string): string {
  if (statement !== 'key-add' && statement !== 'key-revoke')
    throw new CryptoError('BAD_INPUT', `unknown key statement: ${String(statement)}`)
  return 'cairn:v2:' + statement + ':' + parts(dataOwnerId, fingerprint)
}

/** What a value derived from a recovery code is for: the server's proof, or the blob's AES key. */
export type RecoveryDerivation = 'recovery-auth' | 'recovery-key'

/**
 * HKDF `info` of a value derived from a recovery code: `cairn:v2:<derivation>:<dataOwnerId>`. The two
 * derivations are independent (knowing the value sent to the server tells nothing of the AES key), and
 * binding the data owner makes one code give other values for another data owner.
 */
export function recoveryKdfInfo(derivation: RecoveryDerivation, dataOwnerId: string): string {
  if (derivation !== 'recovery-auth' && derivation !== 'recovery-key')
    throw new CryptoError('BAD_INPUT', `unknown recovery derivation: ${String(derivation)}`)
  return 'cairn:v2:' + derivation + ':' + parts(dataOwnerId)
}

/**
 * Context of a data owner's recovery data (AES-GCM AAD): `cairn:v2:recovery-blob:<dataOwnerId>`. The
 * server cannot hand one data owner's recovery data to another, nor pass another ciphertext of the
 * protocol off as recovery data.
 */
export function recoveryBlobAad(dataOwnerId: string): string {
  return 'cairn:v2:recovery-blob:' + parts(dataOwnerId)
}

function parts(...values: string[]): string {
  for (const v of values) {
    if (typeof v !== 'string' || v.length === 0 || v.includes(':')) {
      throw new CryptoError('BAD_INPUT', `invalid crypto context component: ${JSON.stringify(v)}`)
    }
  }
  return values.join(':')
}
