import {
  ATTACHMENT_CHUNK_BYTES,
  ATTACHMENT_MAX_HEADER_BYTES,
  ATTACHMENT_PREFIX_BYTES,
  encryptedAttachmentBytes,
} from '@cairn/protocol'
import { attachmentChunkAad, attachmentHeaderAad } from './aad.ts'
import type { AesKey } from './aes.ts'
import { ATTACHMENT_SALT_BYTES, deriveAttachmentKey, type AttachmentTarget } from './attachment-key.ts'
import { symmetricBackend } from './backend.ts'
import { isBytes } from './bytes.ts'
import { utf8_2ua } from './binary.ts'
import { CryptoError } from './crypto-error.ts'
import { GCM_IV_BYTES } from './symmetric-backend.ts'
import { PROTOCOL_VERSION } from './version.ts'

/** An attachment ready to be sent: its exact encrypted length, and its bytes produced on demand. */
export interface EncryptedAttachment {
  /** Bytes of the whole encrypted form (what the server stores). */
  readonly length: number
  /**
   * The encrypted form, piece by piece: the prefix with the header frame, then one frame per chunk,
   * each encrypted only when asked for, so that at most one frame is held besides the clear content.
   * Every call starts again from the first byte (same salt and key, fresh IVs): a request that must be
   * sent again gets a new stream.
   */
  pieces(): AsyncGenerator<Uint8Array<ArrayBuffer>>
}

/** Source of random bytes: the platform CSPRNG, or fixed bytes in the known-answer tests. */
type Random = (n: number) => Uint8Array

/**
 * Encrypts an attachment of an entity under a key derived from the entity key `k` (docs/protocol.md,
 * "Attachments"): a random salt per upload, a header frame holding `header` (the document metadata, as
 * JSON) and the content in chunks of ATTACHMENT_CHUNK_BYTES, each its own AES-256-GCM frame bound to the
 * entity, the document, its index and whether it is the last. Throws CryptoError BAD_INPUT when the
 * header is not a JSON object or its frame is longer than ATTACHMENT_MAX_HEADER_BYTES.
 */
export function encryptAttachment(
  k: AesKey,
  target: AttachmentTarget,
  header: Record<string, unknown>,
  content: Uint8Array,
): Promise<EncryptedAttachment> {
  return encryptAttachmentWith((n) => symmetricBackend().randomBytes(n), k, target, header, content)
}

/**
 * {@link encryptAttachment} with the random bytes (salt, then one IV per frame) taken from `random`.
 * Internal, for the known-answer tests only (not exported from index.ts): fixed IVs under one key break
 * GCM.
 */
export async function encryptAttachmentWith(
  random: Random,
  k: AesKey,
  target: AttachmentTarget,
  header: Record<string, unknown>,
  content: Uint8Array,
): Promise<EncryptedAttachment> {
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    throw new CryptoError('BAD_INPUT', 'attachment header must be a plain object')
  if (!isBytes(content)) throw new CryptoError('BAD_INPUT', 'attachment content must be a Uint8Array')
  const { entityType, entityId, documentId } = target
  // Contexts are checked (components without ':') before any work.
  attachmentChunkAad(entityType, entityId, documentId, 0, true)
  const salt = random(ATTACHMENT_SALT_BYTES)
  const key = await deriveAttachmentKey(k, target, salt)
  const backend = symmetricBackend()
  const frame = async (plain: Uint8Array, aad: string): Promise<Uint8Array<ArrayBuffer>> => {
    const iv = random(GCM_IV_BYTES)
    const sealed = await backend.aesGcmEncrypt(key, iv, plain, utf8_2ua(aad))
    const out = new Uint8Array(iv.length + sealed.length)
    out.set(iv)
    out.set(sealed, iv.length)
    return out
  }
  const headerFrame = await frame(
    utf8_2ua(JSON.stringify(header)),
    attachmentHeaderAad(entityType, entityId, documentId),
  )
  if (headerFrame.length > ATTACHMENT_MAX_HEADER_BYTES) {
    throw new CryptoError(
      'BAD_INPUT',
      `attachment metadata too large: ${headerFrame.length} bytes encrypted, more than ${ATTACHMENT_MAX_HEADER_BYTES}`,
    )
  }
  const prefix = new Uint8Array(ATTACHMENT_PREFIX_BYTES + headerFrame.length)
  prefix[0] = PROTOCOL_VERSION
  prefix.set(salt, 1)
  new DataView(prefix.buffer).setUint32(1 + ATTACHMENT_SALT_BYTES, headerFrame.length, false)
  prefix.set(headerFrame, ATTACHMENT_PREFIX_BYTES)
  // One frame for an empty attachment: it carries the last-chunk flag, so that a reader can tell an
  // empty attachment from one cut after its header.
  const chunks = Math.max(1, Math.ceil(content.length / ATTACHMENT_CHUNK_BYTES))
  let first = true
  return {
    length: encryptedAttachmentBytes(content.length, headerFrame.length),
    async *pieces() {
      // The header frame is encrypted once: the same bytes open the same way on every retry. The
      // first stream hands out `prefix` itself, later ones a copy (a consumer may have kept the first).
      yield first ? prefix : prefix.slice()
      first = false
      for (let i = 0; i < chunks; i++) {
        const start = i * ATTACHMENT_CHUNK_BYTES
        const plain = content.subarray(start, Math.min(start + ATTACHMENT_CHUNK_BYTES, content.length))
        yield await frame(plain, attachmentChunkAad(entityType, entityId, documentId, i, i === chunks - 1))
      }
    },
  }
}
