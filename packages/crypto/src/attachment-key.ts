import { attachmentKeyContext } from './aad.ts'
import type { AesKey } from './aes.ts'
import { ua2hex, utf8_2ua } from './binary.ts'
import { hmacSha256 } from './hmac.ts'

/** Which attachment: the entity it belongs to (a data sample) and its document id. */
export interface AttachmentTarget {
  entityType: string
  entityId: string
  documentId: string
}

/** Bytes of the random salt of every upload of an attachment. */
export const ATTACHMENT_SALT_BYTES = 32

/**
 * The AES-256-GCM key of one upload of an attachment: HMAC-SHA256 under the entity key `k` of the
 * attachment-key context (entity, document, the upload's salt in hex). HMAC keyed with a uniformly
 * random 32-byte key is a pseudo-random function, which is what a key derivation needs (it is HKDF's
 * expand step); so whoever holds `k` (every data owner the sample is shared with) derives the key, and
 * nobody else can. Internal to the attachment format: never exported from index.ts.
 */
export async function deriveAttachmentKey(
  k: AesKey,
  target: AttachmentTarget,
  salt: Uint8Array,
): Promise<Uint8Array> {
  const context = attachmentKeyContext(target.entityType, target.entityId, target.documentId, ua2hex(salt))
  return hmacSha256(k.raw, utf8_2ua(context))
}
