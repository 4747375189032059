import { API_PREFIX, ROUTES, routePath } from '@cairn/protocol'
import type { ServerProcess } from '../support/server-process.ts'
import type { Actor } from '../support/actors.ts'

/** An access token of the actor, for raw HTTP calls (a login of its own). */
export async function tokenOf(server: ServerProcess, actor: Actor): Promise<string> {
  const res = await fetch(server.url + API_PREFIX + routePath(ROUTES.login), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: actor.login, password: actor.password }),
  })
  if (!res.ok) throw new Error(`login of ${actor.login} failed: ${res.status} ${await res.text()}`)
  return ((await res.json()) as { token: string }).token
}

/** The URL of an attachment of a data sample. */
export function attachmentUrl(server: ServerProcess, dataSampleId: string, documentId: string): string {
  return server.url + API_PREFIX + routePath(ROUTES.getDataSampleAttachment, { id: dataSampleId, documentId })
}

/** A raw HTTP call to an attachment URL; the status and the body as text (errors are JSON). */
export async function rawAttachmentCall(
  url: string,
  method: 'GET' | 'PUT' | 'DELETE',
  token: string,
  body?: Uint8Array<ArrayBuffer> | ReadableStream<Uint8Array>,
): Promise<{ status: number; text: string; bytes: number }> {
  const res = await fetch(url, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body ? { 'content-type': 'application/octet-stream' } : {}),
    },
    body,
    ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
    signal: AbortSignal.timeout(60_000),
  })
  const buffer = new Uint8Array(await res.arrayBuffer())
  return {
    status: res.status,
    text: new TextDecoder().decode(buffer.subarray(0, 2000)),
    bytes: buffer.length,
  }
}

/**
 * A request body of `total` bytes sent in 64 KiB pieces without a Content-Length (chunked), produced as
 * the connection asks for it; `sent()` tells how much was produced.
 */
export function chunkedBody(total: number): { body: ReadableStream<Uint8Array>; sent: () => number } {
  let sent = 0
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= total) return controller.close()
      const piece = new Uint8Array(Math.min(64 * 1024, total - sent)).fill(7)
      sent += piece.length
      controller.enqueue(piece)
    },
  })
  return { body, sent: () => sent }
}

/** The server process's resident memory in bytes, from its /metrics (CAIRN_METRICS=1). */
export async function serverRss(server: ServerProcess): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith('process_resident_memory_bytes '))
  if (!line) throw new Error('no process_resident_memory_bytes in /metrics')
  return Number(line.split(' ')[1])
}

/** Deterministic bytes (byte i is i mod 253) with a marker text at the start, to look for in storage. */
export function sampleBytes(size: number, marker = 'CAIRN-CLEAR-MARKER'): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size)
  for (let i = 0; i < size; i++) bytes[i] = i % 253
  bytes.set(new TextEncoder().encode(marker).subarray(0, size))
  return bytes
}
