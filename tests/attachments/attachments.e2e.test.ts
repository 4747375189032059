import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Content, DataSample, Patient, SdkError } from '@cairn/sdk'
import { disposeServer, startServer, type ServerProcess } from '../support/server-process.ts'
import { newHcp, type Actor } from '../support/actors.ts'
import { BACKENDS } from '../support/backends.ts'
import {
  attachmentUrl,
  chunkedBody,
  rawAttachmentCall,
  sampleBytes,
  serverRss,
  tokenOf,
} from './attachment-support.ts'

/**
 * Data-sample attachments through the SDK (docs/protocol.md, "Attachments"), on the default blob
 * store (the database), on SQLite and PostgreSQL: set, read back content and Document, share, refuse
 * outsiders, delete, MedTech error texts, 20 MB attachments streamed through a server whose JSON body
 * limit is 64 KiB without its memory growing with them, and the size limit (413).
 */
/** Largest attachment of this file's servers: room for 20 MB, and a 413 test that sends little more. */
const LIMIT = 24 * 1024 * 1024

for (const backend of BACKENDS) {
  describe.runIf(backend.enabled)(`attachments (database store, ${backend.name})`, () => {
    let server: ServerProcess
    let owner: Actor
    let colleague: Actor
    let outsider: Actor
    let patient: Patient

    beforeAll(async () => {
      server = await startServer({
        databaseUrl: backend.databaseUrl,
        // A small JSON body limit: attachments must not go through the body parser at all.
        env: {
          CAIRN_BODY_LIMIT: String(64 * 1024),
          CAIRN_ATTACHMENT_MAX_BYTES: String(LIMIT),
          CAIRN_METRICS: '1',
        },
      })
      ;[owner, colleague, outsider] = await Promise.all([
        newHcp(server, 'owner'),
        newHcp(server, 'colleague'),
        newHcp(server, 'outsider'),
      ])
      patient = await owner.api.patientApi.createOrModifyPatient(
        new Patient({ firstName: 'Ada', lastName: 'Doc' }),
      )
    })
    afterAll(() => disposeServer(server))

    /** A new sample of the patient, created by the owner. */
    const newSample = (content: Record<string, Content> = {}) =>
      owner.api.dataSampleApi.createOrModifyDataSampleFor(patient.id!, new DataSample({ content }))

    it('sets an attachment, keeps the content entry, and reads back its bytes and Document', async () => {
      const sample = await newSample({ fr: new Content({ stringValue: 'radio du thorax' }) })
      const bytes = sampleBytes(150_000) // three chunks
      const doc = await owner.api.dataSampleApi.setDataSampleAttachment(
        sample.id!,
        bytes.buffer,
        'thorax.pdf',
        'v2',
        'ext-42',
        'fr',
      )
      expect(doc).toMatchObject({
        name: 'thorax.pdf',
        version: 'v2',
        externalUuid: 'ext-42',
        mainUti: 'public.adobe.pdf',
        size: bytes.length,
        hash: createHash('sha256').update(bytes).digest('hex'),
      })
      const saved = await owner.api.dataSampleApi.getDataSample(sample.id!)
      expect(saved.content.fr).toMatchObject({ stringValue: 'radio du thorax', documentId: doc.id })
      expect(saved.rev).not.toBe(sample.rev)

      const back = await owner.api.dataSampleApi.getDataSampleAttachmentContent(sample.id!, doc.id!)
      expect(Buffer.from(back).equals(Buffer.from(bytes))).toBe(true)
      const document = await owner.api.dataSampleApi.getDataSampleAttachmentDocument(sample.id!, doc.id!)
      expect(document.marshal()).toEqual(doc.marshal())

      // The default language is 'en', and an empty attachment works.
      const empty = await owner.api.dataSampleApi.setDataSampleAttachment(sample.id!, new ArrayBuffer(0))
      expect(empty).toMatchObject({ size: 0, mainUti: undefined })
      expect((await owner.api.dataSampleApi.getDataSample(sample.id!)).content.en.documentId).toBe(empty.id)
      expect(
        (await owner.api.dataSampleApi.getDataSampleAttachmentContent(sample.id!, empty.id!)).byteLength,
      ).toBe(0)
    })

    it('lets a data owner the sample is shared with read it, and refuses one without access on the server', async () => {
      const sample = await newSample()
      const bytes = sampleBytes(70_000)
      const doc = await owner.api.dataSampleApi.setDataSampleAttachment(sample.id!, bytes.buffer, 'a.png')
      await owner.api.dataSampleApi.giveAccessTo(
        await owner.api.dataSampleApi.getDataSample(sample.id!),
        colleague.dataOwnerId,
      )
      const read = await colleague.api.dataSampleApi.getDataSampleAttachmentContent(sample.id!, doc.id!)
      expect(Buffer.from(read).equals(Buffer.from(bytes))).toBe(true)
      expect(
        await colleague.api.dataSampleApi.getDataSampleAttachmentDocument(sample.id!, doc.id!),
      ).toMatchObject({
        name: 'a.png',
        mainUti: 'public.png',
      })

      // Through the SDK: the sample itself is not readable.
      await expect(
        outsider.api.dataSampleApi.getDataSampleAttachmentContent(sample.id!, doc.id!),
      ).rejects.toThrow(/^404 - dataSample \S+ not found/)
      // Over raw HTTP, the attachment routes refuse it the same way: no read, no overwrite, no delete.
      const token = await tokenOf(server, outsider)
      const url = attachmentUrl(server, sample.id!, doc.id!)
      for (const [method, body] of [
        ['GET', undefined],
        ['PUT', new Uint8Array(100)],
        ['DELETE', undefined],
      ] as const) {
        const res = await rawAttachmentCall(url, method, token, body)
        expect(res.status, method).toBe(404)
        expect(JSON.parse(res.text)).toEqual({
          error: { code: 'NOT_FOUND', message: `dataSample ${sample.id} not found` },
        })
      }
      // The stored bytes are the ciphertext: no clear marker, and longer than the content.
      const ownerToken = await tokenOf(server, owner)
      const stored = await rawAttachmentCall(url, 'GET', ownerToken)
      expect(stored.status).toBe(200)
      expect(stored.bytes).toBeGreaterThan(bytes.length)
      expect(stored.text).not.toContain('CAIRN-CLEAR-MARKER')
      expect(stored.text).not.toContain('a.png')
    })

    it('deletes an attachment: the content entry goes, then the stored bytes', async () => {
      const sample = await newSample({
        en: new Content({ numberValue: 3 }),
        de: new Content({ stringValue: 'x' }),
      })
      const doc = await owner.api.dataSampleApi.setDataSampleAttachment(sample.id!, sampleBytes(10).buffer)
      expect(await owner.api.dataSampleApi.deleteAttachment(sample.id!, doc.id!)).toBe(doc.id)
      const after = await owner.api.dataSampleApi.getDataSample(sample.id!)
      expect(Object.keys(after.content)).toEqual(['de'])
      const res = await rawAttachmentCall(
        attachmentUrl(server, sample.id!, doc.id!),
        'GET',
        await tokenOf(server, owner),
      )
      expect(res.status).toBe(404)
      expect((JSON.parse(res.text) as { error: { message: string } }).error.message).toBe(
        `Attachment ${doc.id} of dataSample ${sample.id} not found`,
      )
    })

    it('replacing the attachment of a language deletes the one it replaces', async () => {
      const sample = await newSample()
      const first = await owner.api.dataSampleApi.setDataSampleAttachment(sample.id!, sampleBytes(10).buffer)
      const second = await owner.api.dataSampleApi.setDataSampleAttachment(sample.id!, sampleBytes(20).buffer)
      expect((await owner.api.dataSampleApi.getDataSample(sample.id!)).content.en.documentId).toBe(second.id)
      const token = await tokenOf(server, owner)
      expect(
        (await rawAttachmentCall(attachmentUrl(server, sample.id!, first.id!), 'GET', token)).status,
      ).toBe(404)
      expect(
        (await rawAttachmentCall(attachmentUrl(server, sample.id!, second.id!), 'GET', token)).status,
      ).toBe(200)
    })

    it("keeps MedTech's error texts", async () => {
      const sample = await newSample()
      const other = crypto.randomUUID()
      for (const call of [
        () => owner.api.dataSampleApi.getDataSampleAttachmentContent(sample.id!, other),
        () => owner.api.dataSampleApi.getDataSampleAttachmentDocument(sample.id!, other),
      ]) {
        await expect(call()).rejects.toThrow(
          `Id ${other} does not reference any document in the data sample ${sample.id}`,
        )
      }
      const error = await owner.api.dataSampleApi.deleteAttachment(sample.id!, other).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(SdkError)
      expect((error as SdkError).message).toBe(
        `Could not find attachment ${other} in the data sample ${sample.id}`,
      )
    })

    it('streams 20 MB attachments both ways without the server keeping them in memory', async () => {
      const sample = await newSample()
      const bytes = sampleBytes(20 * 1024 * 1024)
      const roundTrip = async () => {
        const doc = await owner.api.dataSampleApi.setDataSampleAttachment(sample.id!, bytes.buffer, 'big.bin')
        const back = await owner.api.dataSampleApi.getDataSampleAttachmentContent(sample.id!, doc.id!)
        expect(Buffer.from(back).equals(Buffer.from(bytes))).toBe(true)
        return serverRss(server)
      }
      const before = await serverRss(server)
      const rss = [await roundTrip()]
      for (let i = 0; i < 3; i++) rss.push(await roundTrip())
      // The pieces a transfer went through stay in the process until a garbage collection, which V8
      // runs once tens of MB of them piled up, whatever the attachment's size: one step may grow. A
      // server keeping what it received would grow by 20 MB at every step; this one plateaus, so at
      // least one of the three steps stays small.
      const steps = rss.slice(1).map((r, i) => r - rss[i])
      expect(Math.min(...steps)).toBeLessThan(15 * 1024 * 1024)
      expect(rss[0] - before).toBeLessThan(100 * 1024 * 1024)
    })

    it('answers 413 past the limit even midway through a body without a length, keeping nothing', async () => {
      const sample = await newSample()
      const documentId = crypto.randomUUID()
      const url = attachmentUrl(server, sample.id!, documentId)
      const token = await tokenOf(server, owner)
      const { body, sent } = chunkedBody(2 * LIMIT)
      const res = await rawAttachmentCall(url, 'PUT', token, body)
      expect(res.status).toBe(413)
      const error = (JSON.parse(res.text) as { error: { code: string; message: string } }).error
      expect(error.code).toBe('PAYLOAD_TOO_LARGE')
      expect(error.message).toMatch(
        new RegExp(`^Attachment too large: this server accepts attachments of up to ${LIMIT} bytes`),
      )
      // The server stopped reading soon after the limit, not at the end of the body.
      expect(sent()).toBeLessThan(2 * LIMIT)
      expect((await rawAttachmentCall(url, 'GET', token)).status).toBe(404)
    })
  })
}
