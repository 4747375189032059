/**
 * Sizes of the encrypted attachment format (docs/protocol.md, "Attachments"). The SDK writes and
 * reads the format (`@cairn/crypto`); the server only needs its sizes, to turn the configured limit
 * on clear attachments into a limit on the bytes it receives.
 *
 * Layout of a stored attachment: `0x02 ‖ salt (32) ‖ header length (4, big-endian) ‖ header frame ‖
 * chunk frames`, where every frame is `IV (12) ‖ AES-GCM ciphertext ‖ tag (16)`.
 */

/**
 * Clear bytes per chunk frame. 64 KiB: large enough that the 28 bytes a frame adds cost 0.04% and a
 * 20 MB attachment is 320 AES-GCM operations, small enough that a reader holds one frame at a time and
 * a tampered frame is found after at most 64 KiB of work.
 */
export const ATTACHMENT_CHUNK_BYTES = 64 * 1024

/** What one AES-GCM frame adds to its clear bytes: a 12-byte random IV and a 16-byte tag. */
export const ATTACHMENT_FRAME_OVERHEAD = 12 + 16

/** Bytes before the header frame: the version byte, the 32-byte salt and the 4-byte header length. */
export const ATTACHMENT_PREFIX_BYTES = 1 + 32 + 4

/**
 * Longest header frame (the encrypted document metadata: name, version, external id, hash, size,
 * type). 16 KiB holds any sensible file name many times over, and bounds what a reader allocates
 * before it has authenticated anything.
 */
export const ATTACHMENT_MAX_HEADER_BYTES = 16 * 1024

/** Default largest clear attachment a server accepts (CAIRN_ATTACHMENT_MAX_BYTES): 50 MiB. */
export const DEFAULT_ATTACHMENT_MAX_BYTES = 50 * 1024 * 1024

/**
 * Bytes of the encrypted form of `clearBytes` of content with a header frame of `headerFrameBytes`:
 * the prefix, the header frame, and one frame per started chunk (an empty attachment has one empty
 * frame, which carries the last-chunk flag).
 */
export function encryptedAttachmentBytes(clearBytes: number, headerFrameBytes: number): number {
  const frames = Math.max(1, Math.ceil(clearBytes / ATTACHMENT_CHUNK_BYTES))
  return ATTACHMENT_PREFIX_BYTES + headerFrameBytes + clearBytes + frames * ATTACHMENT_FRAME_OVERHEAD
}

/**
 * Most bytes the encrypted form of an attachment of at most `maxClearBytes` can take (its header frame
 * at the longest): what a server with that limit on clear attachments accepts on the wire.
 */
export function maxEncryptedAttachmentBytes(maxClearBytes: number): number {
  return encryptedAttachmentBytes(maxClearBytes, ATTACHMENT_MAX_HEADER_BYTES)
}
