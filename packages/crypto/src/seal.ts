import { ua2b64, ua2hex, utf8_2ua } from './binary.ts'
import type { AesKey } from './aes.ts'
import { canonicalJson } from './canonical-json.ts'
import { CryptoError } from './crypto-error.ts'
import { hmacSha256 } from './hmac.ts'
import { PROTOCOL_VERSION } from './version.ts'
import { sha256 } from './web-crypto.ts'

/**
 * The seal of one revision of an encrypted entity (protocol v2, docs/protocol.md "Entity seal"). It
 * authenticates, under the entity key `k`, everything the writer wrote: the clear fields, the links
 * (`secretForeignKeys`), the ciphertext, a revision counter, the creator, the writer and a commitment to
 * `k`. Only a holder of `k` can make a seal that verifies, so the server can neither forge, relink nor
 * redate an entity, nor replace its key by one it chose. `proofs` attribute the revision to its writer:
 * for each delegate D, an HMAC under the exchange key K(writer -> D), which only the writer and D hold.
 */
export interface EntitySeal {
  v: number
  /** Revision counter chosen by the writers: 1 at creation, +1 per modification (rollback detection). */
  seq: number
  /** Data owner that created the entity (unchanged by modifications). */
  creator: string
  /** Data owner that wrote this revision. */
  writer: string
  /** base64 HMAC-SHA256(k, "cairn:v2:commit:<type>:<id>"): binds the entity to one key. */
  commitment: string
  /** base64 HMAC-SHA256 under a key derived from k of the sealed digest. */
  tag: string
  /** Writer proofs by delegate id: base64 HMAC under a key derived from K(writer -> delegate). */
  proofs: Record<string, string>
}

/** What a seal covers besides its own fields. */
export interface SealedContent {
  entityType: string
  entityId: string
  /** Clear fields of the entity (server-managed fields and systemMetaData excluded by the caller). */
  clear: Record<string, unknown>
  secretForeignKeys: readonly string[]
  encryptedSelf: string
}

const enc = (s: string) => utf8_2ua(s)

/** Sub-key of `raw` for one purpose, so that one AES key never serves directly as an HMAC key. */
function subKey(raw: Uint8Array, purpose: string): Promise<Uint8Array> {
  return hmacSha256(raw, enc('cairn:v2:key:' + purpose))
}

/** The key commitment of an entity key for one entity: public, reveals nothing about `k`. */
export async function keyCommitment(k: AesKey, entityType: string, entityId: string): Promise<string> {
  return ua2b64(await hmacSha256(k.raw, enc(`cairn:v2:commit:${entityType}:${entityId}`)))
}

/**
 * The tag of a seal: HMAC-SHA256 under `k` of `cairn:v2:seal-tag:<digest>`. Like the commitment, it
 * uses `k` directly with its own prefix (domain separation), which costs one HMAC per entity instead of
 * two for a derived sub-key.
 */
async function sealTag(k: AesKey, digest: string): Promise<string> {
  return ua2b64(await hmacSha256(k.raw, enc('cairn:v2:seal-tag:' + digest)))
}

/** SHA-256 of the canonical sealed text of a revision (hex): what the tag and the writer proofs cover. */
export async function sealDigest(
  content: SealedContent,
  fields: Pick<EntitySeal, 'v' | 'seq' | 'creator' | 'writer' | 'commitment'>,
): Promise<string> {
  const text = canonicalJson([
    'cairn:v2:seal',
    fields.v,
    content.entityType,
    content.entityId,
    fields.seq,
    fields.creator,
    fields.writer,
    fields.commitment,
    content.clear,
    [...content.secretForeignKeys],
    content.encryptedSelf,
  ])
  return ua2hex(await sha256(enc(text)))
}

/** Proof sub-keys of exchange keys, derived once per key object (exchange keys live for a session). */
const proofKeys = new WeakMap<AesKey, Promise<Uint8Array>>()

/** Writer proof for `delegateId` under the exchange key K(writer -> delegate). */
export async function writerProof(
  exchangeKey: AesKey,
  entityType: string,
  entityId: string,
  delegateId: string,
  digest: string,
): Promise<string> {
  let derived = proofKeys.get(exchangeKey)
  if (!derived) {
    derived = subKey(exchangeKey.raw, 'proof')
    proofKeys.set(exchangeKey, derived)
  }
  const key = await derived
  return ua2b64(
    await hmacSha256(key, enc(`cairn:v2:writer:${entityType}:${entityId}:${delegateId}:${digest}`)),
  )
}

/**
 * Seals a revision: computes commitment, digest and tag under `k`, and one writer proof per exchange key
 * given (`proofKeys`: delegate id -> K(writer -> delegate)). Returns the seal and its digest.
 */
export async function sealEntity(params: {
  k: AesKey
  content: SealedContent
  seq: number
  creator: string
  writer: string
  proofKeys: ReadonlyMap<string, AesKey>
}): Promise<{ seal: EntitySeal; digest: string }> {
  const { k, content, seq, creator, writer } = params
  if (!Number.isSafeInteger(seq) || seq < 1) throw new CryptoError('BAD_INPUT', `invalid seal seq: ${seq}`)
  const commitment = await keyCommitment(k, content.entityType, content.entityId)
  const fields = { v: PROTOCOL_VERSION, seq, creator, writer, commitment }
  const digest = await sealDigest(content, fields)
  const tag = await sealTag(k, digest)
  const proofs: Record<string, string> = {}
  for (const [delegate, xk] of params.proofKeys) {
    proofs[delegate] = await writerProof(xk, content.entityType, content.entityId, delegate, digest)
  }
  return { seal: { ...fields, tag, proofs }, digest }
}

/**
 * Checks a seal under the entity key `k`: version, key commitment and tag. Returns the digest (to
 * check writer proofs with). CryptoError UNSUPPORTED_VERSION for another version, CANNOT_DECRYPT when
 * the key does not match the commitment or anything sealed was changed.
 */
export async function verifySeal(
  k: AesKey,
  content: SealedContent,
  seal: EntitySeal,
  options: { commitmentChecked?: boolean } = {},
): Promise<string> {
  if (seal.v !== PROTOCOL_VERSION) {
    throw new CryptoError(
      'UNSUPPORTED_VERSION',
      `unsupported protocol version ${String(seal.v)} (this SDK reads protocol version ${PROTOCOL_VERSION})`,
    )
  }
  // A caller that has just compared the commitment (to pick the key) need not pay for it twice.
  if (
    !options.commitmentChecked &&
    (await keyCommitment(k, content.entityType, content.entityId)) !== seal.commitment
  ) {
    throw new CryptoError('CANNOT_DECRYPT', 'the entity key does not match the key commitment of the seal')
  }
  const digest = await sealDigest(content, seal)
  const tag = await sealTag(k, digest)
  if (!constantTimeEqual(tag, seal.tag)) {
    throw new CryptoError(
      'CANNOT_DECRYPT',
      'the seal does not match the content (changed after it was sealed)',
    )
  }
  return digest
}

/** String comparison whose time does not depend on where the strings differ (tags are secrets' MACs). */
export function constantTimeEqual(a: string, b: string): boolean {
  if (typeof a !== 'string' || typeof b !== 'string' || a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i)
  return diff === 0
}
