import type { EncryptedAttachment } from '@cairn/crypto'
import type { RawBody } from '../http/http-client.ts'

/** True in Node.js, whose fetch streams a request body as it is produced. */
function streamsRequestBodies(): boolean {
  const versions = (globalThis as { process?: { versions?: { node?: string } } }).process?.versions
  return typeof versions?.node === 'string'
}

/**
 * The request body of an encrypted attachment. In Node.js a stream that encrypts one chunk each time
 * the connection asks for more, so that the encrypted form is never held whole. Browsers mostly cannot
 * stream a request body over HTTP/1.1: there the encrypted chunks are gathered into a Blob, which the
 * browser may keep on disk rather than in the page's memory.
 */
export function attachmentBody(encrypted: EncryptedAttachment): RawBody {
  if (streamsRequestBodies()) {
    return () => {
      const pieces = encrypted.pieces()
      return Promise.resolve(
        new ReadableStream<Uint8Array>({
          async pull(controller) {
            const next = await pieces.next()
            if (next.done) controller.close()
            else controller.enqueue(next.value)
          },
          async cancel() {
            await pieces.return(undefined)
          },
        }),
      )
    }
  }
  return async () => {
    const parts: Uint8Array<ArrayBuffer>[] = []
    for await (const piece of encrypted.pieces()) parts.push(piece)
    return new Blob(parts, { type: 'application/octet-stream' })
  }
}

/**
 * The bytes of a response body as they arrive. Cancelling (an early `return()` of the iteration, e.g.
 * after reading a header only) cancels the response stream, which ends the download.
 */
export async function* responseBytes(response: Response): AsyncGenerator<Uint8Array> {
  const body = response.body
  if (!body) return
  const reader = body.getReader()
  let done = false
  try {
    for (;;) {
      const next = await reader.read()
      if (next.done) {
        done = true
        return
      }
      yield next.value
    }
  } finally {
    if (!done) await reader.cancel().catch(() => undefined)
    reader.releaseLock()
  }
}
