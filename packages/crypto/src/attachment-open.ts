import {
  ATTACHMENT_CHUNK_BYTES,
  ATTACHMENT_FRAME_OVERHEAD,
  ATTACHMENT_MAX_HEADER_BYTES,
  ATTACHMENT_PREFIX_BYTES,
} from '@cairn/protocol'
import { attachmentChunkAad, attachmentHeaderAad } from './aad.ts'
import type { AesKey } from './aes.ts'
import { ATTACHMENT_SALT_BYTES, deriveAttachmentKey, type AttachmentTarget } from './attachment-key.ts'
import { symmetricBackend } from './backend.ts'
import { ua2utf8, utf8_2ua } from './binary.ts'
import { ByteReader } from './byte-reader.ts'
import { CryptoError } from './crypto-error.ts'
import { GCM_IV_BYTES } from './symmetric-backend.ts'
import { assertProtocolVersion } from './version.ts'

/** Bytes of a full chunk frame: every frame but the last has exactly this length. */
const FULL_FRAME = ATTACHMENT_CHUNK_BYTES + ATTACHMENT_FRAME_OVERHEAD

/** An attachment whose header was opened and authenticated; its content is read on demand. */
export interface OpenedAttachment {
  /** The header (document metadata) the writer encrypted with the content. */
  readonly header: Record<string, unknown>
  /**
   * The clear content, chunk by chunk; each chunk is authenticated before it is yielded. Throws
   * CryptoError CANNOT_DECRYPT, after the chunks that did authenticate, when a frame was changed,
   * reordered, moved from another attachment, or the stream ends before its last chunk or goes on
   * after it. Can be iterated once.
   */
  chunks(): AsyncGenerator<Uint8Array>
  /** Stops reading the source (e.g. after the header only): a network stream is cancelled. */
  close(): Promise<void>
}

/**
 * Opens an attachment written by `encryptAttachment` for the same entity key and target, reading
 * `source` frame by frame (docs/protocol.md, "Attachments"): resolves once the header is read and
 * authenticated. Rejects with CryptoError UNSUPPORTED_VERSION for another format version, and
 * CANNOT_DECRYPT for a wrong key, another attachment's bytes, a damaged header or a stream cut before
 * its first chunk.
 */
export async function openAttachment(
  k: AesKey,
  target: AttachmentTarget,
  source: AsyncIterable<Uint8Array>,
): Promise<OpenedAttachment> {
  const { entityType, entityId, documentId } = target
  const headerAad = attachmentHeaderAad(entityType, entityId, documentId)
  const reader = new ByteReader(source)
  const fail = async (message: string, cause?: unknown): Promise<never> => {
    await reader.close().catch(() => undefined)
    throw new CryptoError('CANNOT_DECRYPT', `cannot decrypt attachment ${documentId}: ${message}`, { cause })
  }
  const prefix = await reader.read(ATTACHMENT_PREFIX_BYTES)
  if (prefix.length === 0) return fail('it is empty')
  try {
    assertProtocolVersion(prefix[0])
  } catch (e) {
    await reader.close().catch(() => undefined)
    throw e
  }
  if (prefix.length < ATTACHMENT_PREFIX_BYTES) return fail('it ends inside its header')
  const salt = prefix.subarray(1, 1 + ATTACHMENT_SALT_BYTES)
  const headerLength = new DataView(prefix.buffer).getUint32(1 + ATTACHMENT_SALT_BYTES, false)
  if (headerLength < ATTACHMENT_FRAME_OVERHEAD || headerLength > ATTACHMENT_MAX_HEADER_BYTES)
    return fail(`invalid header length ${headerLength}`)
  const headerFrame = await reader.read(headerLength)
  if (headerFrame.length < headerLength) return fail('it ends inside its header')
  const key = await deriveAttachmentKey(k, target, salt)
  const backend = symmetricBackend()
  const open = (frame: Uint8Array, aad: string) =>
    backend.aesGcmDecrypt(key, frame.subarray(0, GCM_IV_BYTES), frame.subarray(GCM_IV_BYTES), utf8_2ua(aad))

  let header: unknown
  try {
    header = JSON.parse(ua2utf8(await open(headerFrame, headerAad)))
  } catch (e) {
    return fail('its header does not authenticate (wrong key, or another attachment)', e)
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    return fail('its header is not a JSON object')

  let started = false
  async function* chunks(): AsyncGenerator<Uint8Array> {
    if (started) throw new CryptoError('BAD_INPUT', 'the content of an attachment can be read once')
    started = true
    let finished = false
    try {
      yield* frames()
      finished = true
    } finally {
      // A consumer that stops early (or a failure) ends the download instead of leaving it open.
      if (!finished) await reader.close().catch(() => undefined)
    }
  }
  async function* frames(): AsyncGenerator<Uint8Array> {
    let frame = await reader.read(FULL_FRAME)
    for (let index = 0; ; index++) {
      if (frame.length < ATTACHMENT_FRAME_OVERHEAD) {
        await fail(index === 0 ? 'it has no content frame' : 'it ends before its last chunk')
      }
      // A frame shorter than a full one ends the stream; a full one is the last if nothing follows.
      const next = frame.length < FULL_FRAME ? undefined : await reader.read(FULL_FRAME)
      const last = next === undefined || next.length === 0
      let plain: Uint8Array
      try {
        plain = await open(frame, attachmentChunkAad(entityType, entityId, documentId, index, last))
      } catch (e) {
        return await fail(
          `chunk ${index} does not authenticate (tampered, reordered, cut short or from another attachment)`,
          e,
        )
      }
      yield plain
      if (last) return
      frame = next!
    }
  }
  return { header: header as Record<string, unknown>, chunks, close: () => reader.close() }
}
