import { CryptoError } from './crypto-error.ts'

// Contexts bound as AES-GCM additional authenticated data (and the exchange-key signed text). The exact
// strings are part of protocol v1: changing one makes every existing ciphertext undecryptable.
// Components are joined with ':', so a component containing ':' (or an empty one) is refused: otherwise
// ("a:b", "c") and ("a", "b:c") would give the same context and a value could be moved between them.

/** What a wrapped value is: entity key, secret id, or foreign key (the owning patient's id). */
export type WrapPurpose = 'ek' | 'sid' | 'fk'

const PURPOSES: readonly string[] = ['ek', 'sid', 'fk']

/** Context of an entity's `encryptedSelf`: `cairn:v1:self:<entityType>:<entityId>`. */
export function selfAad(entityType: string, entityId: string): string {
  return 'cairn:v1:self:' + parts(entityType, entityId)
}

/**
 * Context of a value wrapped under an exchange key for one delegate of one entity:
 * `cairn:v1:<purpose>:<entityType>:<entityId>:<delegateId>`. Binding all four means the server cannot
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
  return 'cairn:v1:' + purpose + ':' + parts(entityType, entityId, delegateId)
}

/**
 * Text signed by the delegator of an exchange key: `cairn:v1:xk:<delegatorId>:<delegateId>:<keyHashHex>`,
 * where `keyHashHex` is hex SHA-256 of the raw key. Proves that the delegator (not the server) chose
 * this key for this ordered pair.
 */
export function exchangeKeySignedText(delegatorId: string, delegateId: string, keyHashHex: string): string {
  return 'cairn:v1:xk:' + parts(delegatorId, delegateId, keyHashHex)
}

function parts(...values: string[]): string {
  for (const v of values) {
    if (typeof v !== 'string' || v.length === 0 || v.includes(':')) {
      throw new CryptoError('BAD_INPUT', `invalid crypto context component: ${JSON.stringify(v)}`)
    }
  }
  return values.join(':')
}
