import { createCipheriv, createHash, createHmac } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import {
  ATTACHMENT_CHUNK_BYTES,
  ATTACHMENT_FRAME_OVERHEAD,
  ATTACHMENT_PREFIX_BYTES,
  encryptedAttachmentBytes,
} from '@cairn/protocol'
import type { AesKey } from './aes.ts'
import { encryptAttachment, encryptAttachmentWith } from './attachment-encrypt.ts'
import { openAttachment } from './attachment-open.ts'
import type { AttachmentTarget } from './attachment-key.ts'
import { setSymmetricBackendForTests } from './backend.ts'
import { CryptoError } from './crypto-error.ts'

const FRAME = ATTACHMENT_CHUNK_BYTES + ATTACHMENT_FRAME_OVERHEAD
const K: AesKey = { raw: Uint8Array.from({ length: 32 }, (_, i) => i + 1) }
const OTHER_K: AesKey = { raw: Uint8Array.from({ length: 32 }, (_, i) => 200 - i) }
const TARGET: AttachmentTarget = {
  entityType: 'dataSample',
  entityId: '6f1c7a4e-0d52-4a38-9a39-1c6a8c2b1e01',
  documentId: 'b0f2d5c3-5a4e-4f0e-8d61-2c9e7f3a9b02',
}
const HEADER = { name: 'scan.pdf', size: 0, hash: '' }

/** Deterministic content: byte i is i mod 251 (a prime, so chunks differ from each other). */
const content = (n: number) => Uint8Array.from({ length: n }, (_, i) => i % 251)

/** Every piece of an encrypted attachment, concatenated. */
async function bytesOf(pieces: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const p of pieces) parts.push(p)
  return Buffer.concat(parts)
}

/** `bytes` as a stream of pieces of `size` bytes (the last one shorter). */
// eslint-disable-next-line @typescript-eslint/require-await -- an async source, as a network stream is
async function* piecesOf(bytes: Uint8Array, size = 16 * 1024): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size)
}

/** Opens and reads a whole attachment: its header and content, or the error it fails with. */
async function readAll(bytes: Uint8Array, k = K, target = TARGET, pieceSize?: number) {
  const opened = await openAttachment(k, target, piecesOf(bytes, pieceSize))
  const chunks: Uint8Array[] = []
  for await (const c of opened.chunks()) chunks.push(c)
  return { header: opened.header, content: new Uint8Array(Buffer.concat(chunks)), chunks }
}

async function encrypted(n: number, target = TARGET, k = K): Promise<Uint8Array> {
  return bytesOf((await encryptAttachment(k, target, HEADER, content(n))).pieces())
}

/** The failure of a promise, which must be a CryptoError with this code and a message matching `text`. */
async function expectFailure(p: Promise<unknown>, code: CryptoError['code'], text: RegExp): Promise<void> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(CryptoError)
  expect((error as CryptoError).code).toBe(code)
  expect((error as CryptoError).message).toMatch(text)
}

/** Offset of chunk frame `i` in an attachment encrypted with HEADER. */
async function frameOffset(i: number): Promise<number> {
  const headerFrame =
    (await encryptAttachment(K, TARGET, HEADER, content(0))).length - ATTACHMENT_PREFIX_BYTES
  return ATTACHMENT_PREFIX_BYTES + headerFrame - ATTACHMENT_FRAME_OVERHEAD + i * FRAME
}

describe('attachment format: known answer', () => {
  // Random bytes: the salt is 0xAA repeated, the IVs count up from 1 (test only: never reuse an IV).
  const fixedRandom = () => {
    let iv = 0
    return (n: number) =>
      n === 32 ? new Uint8Array(32).fill(0xaa) : Uint8Array.from({ length: n }, () => ++iv)
  }

  afterAll(() => setSymmetricBackendForTests(null))

  it.each(['node', 'web'] as const)(
    'is the documented layout, rebuilt here from node:crypto alone (%s backend)',
    async (backend) => {
      setSymmetricBackendForTests(backend)
      const clear = content(ATTACHMENT_CHUNK_BYTES + 10)
      const header = { name: 'a.txt', size: clear.length }
      const blob = await bytesOf(
        (await encryptAttachmentWith(fixedRandom(), K, TARGET, header, clear)).pieces(),
      )

      // The specification of docs/protocol.md, "Attachments", step by step.
      const salt = Buffer.alloc(32, 0xaa)
      const ctx = `${TARGET.entityType}:${TARGET.entityId}:${TARGET.documentId}`
      const key = createHmac('sha256', K.raw)
        .update(`cairn:v2:attachment-key:${ctx}:${salt.toString('hex')}`)
        .digest()
      let ivCounter = 0
      const frame = (plain: Uint8Array, aad: string) => {
        const iv = Buffer.from(Array.from({ length: 12 }, () => ++ivCounter))
        const c = createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 })
        c.setAAD(Buffer.from(aad))
        return Buffer.concat([iv, c.update(plain), c.final(), c.getAuthTag()])
      }
      const headerFrame = frame(Buffer.from(JSON.stringify(header)), `cairn:v2:attachment-header:${ctx}`)
      const length = Buffer.alloc(4)
      length.writeUInt32BE(headerFrame.length)
      const expected = Buffer.concat([
        Buffer.from([0x02]),
        salt,
        length,
        headerFrame,
        frame(clear.subarray(0, ATTACHMENT_CHUNK_BYTES), `cairn:v2:attachment-chunk:${ctx}:0:more`),
        frame(clear.subarray(ATTACHMENT_CHUNK_BYTES), `cairn:v2:attachment-chunk:${ctx}:1:last`),
      ])
      expect(Buffer.from(blob).equals(expected)).toBe(true)
      // Pinned, so that the format cannot change without this test failing (with the rebuild above).
      expect(createHash('sha256').update(blob).digest('hex')).toBe(
        '4a1500a9f3108e4167b38bf280709a1a32ad53236aad207e2e927966e70779a0',
      )
      expect(blob.length).toBe(encryptedAttachmentBytes(clear.length, headerFrame.length))
    },
  )
})

for (const backend of ['node', 'web'] as const) {
  describe(`attachment format on the ${backend} backend`, () => {
    setSymmetricBackendForTests(backend)
    afterAll(() => setSymmetricBackendForTests(null))

    it('round-trips any size, whatever pieces the stream arrives in', async () => {
      setSymmetricBackendForTests(backend)
      const C = ATTACHMENT_CHUNK_BYTES
      for (const [n, pieceSize] of [
        [0, 1000],
        [1, 1],
        [C - 1, 7000],
        [C, 65536],
        [C + 1, 100_000],
        [3 * C + 5, 4096],
      ]) {
        const enc = await encryptAttachment(K, TARGET, HEADER, content(n))
        const bytes = await bytesOf(enc.pieces())
        expect(bytes.length).toBe(enc.length)
        const read = await readAll(bytes, K, TARGET, pieceSize)
        expect(read.header).toEqual(HEADER)
        expect(Buffer.from(read.content).equals(Buffer.from(content(n))), `size ${n}`).toBe(true)
        expect(read.chunks.length).toBe(Math.max(1, Math.ceil(n / C)))
      }
    })

    it('gives a fresh, equally valid stream on every call (a retried upload)', async () => {
      setSymmetricBackendForTests(backend)
      const enc = await encryptAttachment(K, TARGET, HEADER, content(ATTACHMENT_CHUNK_BYTES * 2))
      const [a, b] = [await bytesOf(enc.pieces()), await bytesOf(enc.pieces())]
      expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false) // fresh IVs
      for (const bytes of [a, b])
        expect((await readAll(bytes)).content.length).toBe(ATTACHMENT_CHUNK_BYTES * 2)
    })

    it('detects truncation: at a frame boundary, inside a frame, right after the header', async () => {
      setSymmetricBackendForTests(backend)
      const bytes = await encrypted(3 * ATTACHMENT_CHUNK_BYTES + 100)
      // Without the last frame, the stream ends on a full frame flagged "more".
      await expectFailure(
        readAll(bytes.subarray(0, await frameOffset(3))),
        'CANNOT_DECRYPT',
        /chunk 2 does not authenticate/,
      )
      await expectFailure(
        readAll(bytes.subarray(0, bytes.length - 1)),
        'CANNOT_DECRYPT',
        /chunk 3 does not authenticate/,
      )
      await expectFailure(
        readAll(bytes.subarray(0, (await frameOffset(1)) + 10)),
        'CANNOT_DECRYPT',
        /ends before its last chunk/,
      )
      await expectFailure(
        readAll(bytes.subarray(0, await frameOffset(0))),
        'CANNOT_DECRYPT',
        /no content frame/,
      )
      await expectFailure(readAll(bytes.subarray(0, 20)), 'CANNOT_DECRYPT', /ends inside its header/)
      await expectFailure(readAll(new Uint8Array(0)), 'CANNOT_DECRYPT', /empty/)
    })

    it('detects data appended after the last chunk', async () => {
      setSymmetricBackendForTests(backend)
      for (const n of [10, ATTACHMENT_CHUNK_BYTES]) {
        const bytes = await encrypted(n)
        const longer = Buffer.concat([bytes, Buffer.from('more')])
        await expectFailure(readAll(longer), 'CANNOT_DECRYPT', /does not authenticate/)
      }
    })

    it('detects reordered frames, after yielding only the chunks before them', async () => {
      setSymmetricBackendForTests(backend)
      const bytes = await encrypted(4 * ATTACHMENT_CHUNK_BYTES)
      const at2 = await frameOffset(2)
      const swapped = Buffer.from(bytes)
      swapped.set(bytes.subarray(at2 + FRAME, at2 + 2 * FRAME), at2)
      swapped.set(bytes.subarray(at2, at2 + FRAME), at2 + FRAME)
      const opened = await openAttachment(K, TARGET, piecesOf(swapped))
      const seen: Uint8Array[] = []
      const error = await (async () => {
        for await (const c of opened.chunks()) seen.push(c)
      })().catch((e: unknown) => e)
      expect(error).toBeInstanceOf(CryptoError)
      expect((error as Error).message).toMatch(/chunk 2 does not authenticate/)
      expect(seen).toHaveLength(2)
      expect(Buffer.concat(seen).equals(Buffer.from(content(2 * ATTACHMENT_CHUNK_BYTES)))).toBe(true)
    })

    it('detects a frame swapped in from another document, another upload or another sample', async () => {
      setSymmetricBackendForTests(backend)
      const n = 2 * ATTACHMENT_CHUNK_BYTES
      const mine = await encrypted(n)
      const at1 = await frameOffset(1)
      const donors: Uint8Array[] = [
        await encrypted(n, { ...TARGET, documentId: '0d9c1b6e-3f4a-4b2c-8e7d-5a6b7c8d9e0f' }),
        await encrypted(n), // the same document again: another salt, so another key
        await encrypted(n, { ...TARGET, entityId: '1e2d3c4b-5a69-4788-9a0b-1c2d3e4f5a6b' }),
      ]
      for (const donor of donors) {
        const mixed = Buffer.from(mine)
        mixed.set(donor.subarray(at1, at1 + FRAME), at1)
        await expectFailure(readAll(mixed), 'CANNOT_DECRYPT', /chunk 1 does not authenticate/)
      }
      // The whole attachment of another document, served for this one: its header does not open.
      await expectFailure(readAll(donors[0]), 'CANNOT_DECRYPT', /header does not authenticate/)
    })

    it('refuses a wrong key, a changed bit, a changed header length and another version', async () => {
      setSymmetricBackendForTests(backend)
      const bytes = await encrypted(1000)
      await expectFailure(readAll(bytes, OTHER_K), 'CANNOT_DECRYPT', /header does not authenticate/)
      const flipped = Buffer.from(bytes)
      flipped[bytes.length - 20] ^= 1
      await expectFailure(readAll(flipped), 'CANNOT_DECRYPT', /chunk 0 does not authenticate/)
      const salted = Buffer.from(bytes)
      salted[5] ^= 1
      await expectFailure(readAll(salted), 'CANNOT_DECRYPT', /header does not authenticate/)
      const longHeader = Buffer.from(bytes)
      longHeader.writeUInt32BE(1_000_000, 33)
      await expectFailure(readAll(longHeader), 'CANNOT_DECRYPT', /invalid header length/)
      const v1 = Buffer.from(bytes)
      v1[0] = 1
      await expectFailure(readAll(v1), 'UNSUPPORTED_VERSION', /unsupported protocol version 1/)
    })

    it('refuses metadata too large for a header frame, and bad input', async () => {
      setSymmetricBackendForTests(backend)
      await expectFailure(
        encryptAttachment(K, TARGET, { name: 'x'.repeat(20_000) }, content(1)),
        'BAD_INPUT',
        /metadata too large/,
      )
      await expectFailure(
        encryptAttachment(K, { ...TARGET, documentId: 'a:b' }, HEADER, content(1)),
        'BAD_INPUT',
        /context component/,
      )
    })
  })
}
