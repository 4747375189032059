import { SdkError } from '../http/sdk-error.ts'

/**
 * Bytes of `text` once UTF-8 encoded, without allocating the encoding: the body limit of the server
 * counts bytes, and documents are mostly ASCII (base64 ciphertext, UUIDs, codes).
 */
export function utf8Length(text: string): number {
  let bytes = text.length
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x80) continue
    if (c < 0x800) bytes += 1
    else if (c >= 0xd800 && c <= 0xdbff) {
      // A surrogate pair: two UTF-16 units, four UTF-8 bytes.
      bytes += 2
      i++
    } else bytes += 2
  }
  return bytes
}

/**
 * Cuts documents into consecutive batches of at most `maxCount` documents whose JSON array body
 * (`[doc,doc,...]`, as the HTTP client sends it) stays within `maxBytes`. Returns the batches as
 * index ranges `[start, end)`. A document that alone exceeds `maxBytes` is a PAYLOAD_TOO_LARGE
 * SdkError before anything is sent: the server would answer 413, and a partial write of the other
 * batches is worse than none.
 */
export function splitIntoBatches(
  sizes: readonly number[],
  maxCount: number,
  maxBytes: number,
  describe: (index: number) => string,
): [number, number][] {
  const out: [number, number][] = []
  let start = 0
  // The brackets of the array: 2 bytes; each document after the first adds a comma.
  let bytes = 2
  sizes.forEach((size, i) => {
    if (size + 2 > maxBytes) {
      throw new SdkError(
        'PAYLOAD_TOO_LARGE',
        `${describe(i)} is ${size} bytes once encrypted, more than the ${maxBytes} bytes the server accepts in one request; store large content as several entities (attachments are not available yet)`,
      )
    }
    const added = i === start ? size : size + 1
    if (i > start && (i - start >= maxCount || bytes + added > maxBytes)) {
      out.push([start, i])
      start = i
      bytes = 2 + size
    } else bytes += added
  })
  if (start < sizes.length) out.push([start, sizes.length])
  return out
}
