import { existsSync } from 'node:fs'
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DataSample, Patient, SdkError } from '@cairn/sdk'
import { disposeServer, startServer, type ServerProcess } from '../support/server-process.ts'
import { newHcp, type Actor } from '../support/actors.ts'
import { BACKENDS } from '../support/backends.ts'
import { attachmentUrl, rawAttachmentCall, sampleBytes, tokenOf } from './attachment-support.ts'

/** Largest attachment of this file's servers (CAIRN_ATTACHMENT_MAX_BYTES): 1 MiB. */
const LIMIT = 1024 * 1024

/**
 * Attachments in a directory (CAIRN_ATTACHMENT_DIR), on SQLite and PostgreSQL: one encrypted file per
 * attachment, written as the upload arrives, nothing left of a refused one, and the sample's folder
 * removed with the sample. Also the size limit through the SDK.
 */
for (const backend of BACKENDS) {
  describe.runIf(backend.enabled)(`attachments in a directory (${backend.name})`, () => {
    let server: ServerProcess
    let owner: Actor
    let patient: Patient
    let dir: string

    beforeAll(async () => {
      // A folder the server creates itself (mkdtemp's parent exists, the child does not).
      dir = join(await mkdtemp(join(tmpdir(), 'cairn-attachments-')), 'store')
      server = await startServer({
        databaseUrl: backend.databaseUrl,
        env: { CAIRN_ATTACHMENT_DIR: dir, CAIRN_ATTACHMENT_MAX_BYTES: String(LIMIT) },
      })
      owner = await newHcp(server, 'dir-owner')
      patient = await owner.api.patientApi.createOrModifyPatient(
        new Patient({ firstName: 'Dir', lastName: 'Store' }),
      )
    })
    afterAll(async () => {
      await disposeServer(server)
      await rm(dirname(dir), { recursive: true, force: true })
    })

    const newSample = () =>
      owner.api.dataSampleApi.createOrModifyDataSampleFor(patient.id!, new DataSample({ comment: 'scan' }))

    it('stores each attachment as one encrypted file, and reads it back', async () => {
      const sample = await newSample()
      const bytes = sampleBytes(200_000)
      const doc = await owner.api.dataSampleApi.setDataSampleAttachment(
        sample.id!,
        bytes.buffer,
        'secret-name.txt',
      )
      const file = join(dir, sample.id!, doc.id!)
      const stored = await readFile(file)
      expect(stored.length).toBeGreaterThan(bytes.length)
      expect(stored.includes('CAIRN-CLEAR-MARKER')).toBe(false)
      expect(stored.includes('secret-name')).toBe(false)
      expect((await stat(file)).mode & 0o777).toBe(0o600)
      const back = await owner.api.dataSampleApi.getDataSampleAttachmentContent(sample.id!, doc.id!)
      expect(Buffer.from(back).equals(Buffer.from(bytes))).toBe(true)
      expect(
        await owner.api.dataSampleApi.getDataSampleAttachmentDocument(sample.id!, doc.id!),
      ).toMatchObject({
        name: 'secret-name.txt',
        mainUti: 'public.plain-text',
      })
    })

    it('refuses bytes the operator changed, cut or swapped in from another attachment (DECRYPTION)', async () => {
      const sample = await newSample()
      const bytes = sampleBytes(300_000)
      const [a, b] = [
        await owner.api.dataSampleApi.setDataSampleAttachment(
          sample.id!,
          bytes.buffer,
          'a.txt',
          undefined,
          undefined,
          'en',
        ),
        await owner.api.dataSampleApi.setDataSampleAttachment(
          sample.id!,
          bytes.buffer,
          'b.txt',
          undefined,
          undefined,
          'fr',
        ),
      ]
      const fileA = join(dir, sample.id!, a.id!)
      const original = await readFile(fileA)
      const attempts: [string, Buffer][] = [
        ['a flipped bit', Buffer.from(original.map((x, i) => (i === original.length - 100 ? x ^ 1 : x)))],
        ['a cut at a chunk boundary', original.subarray(0, original.length - (300_000 % 65536) - 28)],
        ["another attachment's bytes", await readFile(join(dir, sample.id!, b.id!))],
      ]
      for (const [what, forged] of attempts) {
        await writeFile(fileA, forged)
        const error = await owner.api.dataSampleApi
          .getDataSampleAttachmentContent(sample.id!, a.id!)
          .catch((e: unknown) => e)
        expect(error, what).toBeInstanceOf(SdkError)
        expect(error, what).toMatchObject({ code: 'DECRYPTION' })
        expect((error as Error).message).toMatch(
          new RegExp(`^Cannot decrypt attachment ${a.id} of dataSample ${sample.id}: `),
        )
      }
      await writeFile(fileA, original)
      const back = await owner.api.dataSampleApi.getDataSampleAttachmentContent(sample.id!, a.id!)
      expect(Buffer.from(back).equals(Buffer.from(bytes))).toBe(true)
    })

    it('writes an upload to disk as it arrives (the server does not gather it first)', async () => {
      const sample = await newSample()
      const documentId = crypto.randomUUID()
      const token = await tokenOf(server, owner)
      let release!: () => void
      const paused = new Promise<void>((r) => (release = r))
      let sent = 0
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          if (sent === 512 * 1024) await paused // half the body, then wait
          if (sent >= 1024 * 1024) return controller.close()
          controller.enqueue(new Uint8Array(64 * 1024).fill(1))
          sent += 64 * 1024
        },
      })
      const upload = rawAttachmentCall(attachmentUrl(server, sample.id!, documentId), 'PUT', token, body)
      const folder = join(dir, sample.id!)
      // While the client holds back the second half, the first is already in the upload's temporary file.
      let onDisk = 0
      for (let i = 0; i < 100 && onDisk < 256 * 1024; i++) {
        await new Promise((r) => setTimeout(r, 50))
        const names = existsSync(folder) ? await readdir(folder) : []
        const temp = names.find((n) => n.startsWith('.upload-'))
        onDisk = temp ? (await stat(join(folder, temp))).size : 0
      }
      expect(onDisk).toBeGreaterThanOrEqual(256 * 1024)
      expect(existsSync(join(folder, documentId))).toBe(false) // not visible before it is complete
      release()
      expect((await upload).status).toBe(200)
      expect((await stat(join(folder, documentId))).size).toBe(1024 * 1024)
      expect((await readdir(folder)).filter((n) => n.startsWith('.upload-'))).toEqual([])
    })

    it('refuses an attachment over the limit with 413 through the SDK, keeping nothing', async () => {
      const sample = await newSample()
      const error = await owner.api.dataSampleApi
        // The server counts encrypted bytes, allowing what encryption adds at most (16 KiB of header):
        // 64 KiB over the limit is refused whatever the metadata.
        .setDataSampleAttachment(sample.id!, sampleBytes(LIMIT + 64 * 1024).buffer, 'big.pdf')
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(SdkError)
      expect(error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', status: 413 })
      expect((error as SdkError).message).toMatch(
        /^413 - Attachment too large: this server accepts attachments of up to 1048576 bytes/,
      )
      // The sample was not changed, and nothing of the upload stayed.
      const after = await owner.api.dataSampleApi.getDataSample(sample.id!)
      expect(after.rev).toBe(sample.rev)
      expect(Object.keys(after.content)).toEqual([])
      const folder = join(dir, sample.id!)
      expect(existsSync(folder) ? await readdir(folder) : []).toEqual([])
      // Exactly the limit fits.
      const fits = await owner.api.dataSampleApi.setDataSampleAttachment(
        sample.id!,
        sampleBytes(LIMIT).buffer,
      )
      expect(fits.size).toBe(LIMIT)
    })

    it('answers 413 before reading a body whose announced length is over the limit', async () => {
      const sample = await newSample()
      const documentId = crypto.randomUUID()
      const res = await rawAttachmentCall(
        attachmentUrl(server, sample.id!, documentId),
        'PUT',
        await tokenOf(server, owner),
        new Uint8Array(2 * LIMIT),
      )
      expect(res.status).toBe(413)
      expect(existsSync(join(dir, sample.id!))).toBe(false)
    })

    it('refuses a JSON body on the upload route', async () => {
      const sample = await newSample()
      const res = await fetch(attachmentUrl(server, sample.id!, crypto.randomUUID()), {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${await tokenOf(server, owner)}`,
          'content-type': 'application/json',
        },
        body: '{"bytes":"AAAA"}',
      })
      expect(res.status).toBe(400)
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(
        /application\/octet-stream/,
      )
    })

    it("removes a data sample's attachments when the sample is deleted", async () => {
      const sample = await newSample()
      await owner.api.dataSampleApi.setDataSampleAttachment(sample.id!, sampleBytes(10).buffer)
      const folder = join(dir, sample.id!)
      expect(await readdir(folder)).toHaveLength(1)
      await owner.api.dataSampleApi.deleteDataSample(sample.id!)
      // The attachments go once the deletion committed (its write event), just after the answer.
      for (let i = 0; i < 50 && existsSync(folder); i++) await new Promise((r) => setTimeout(r, 50))
      expect(existsSync(folder)).toBe(false)
    })
  })
}
