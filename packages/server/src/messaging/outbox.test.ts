import { randomUUID } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AppError } from '../http/app-error.ts'
import { createStorage, dropPgSchema, type KyselyStorage } from '../storage/index.ts'
import { Outbox, type OutboxConfig, type OutboxLog, type OutboxOptions } from './outbox.ts'
import { startSmtpSink as startSmtp, unusedPort, type SmtpSink } from '../testing/smtp-sink.ts'

/*
 * The outbox with real parts: storage on SQLite and PostgreSQL (DATABASE_URL), a real SMTP server
 * (smtp-server) on a local port, a real HTTP server standing for the SMS provider. Retry delays are
 * tens of milliseconds; waits poll with a deadline.
 */

const SECRET = 'jwt-secret-of-the-outbox-tests-0123456789'
const FROM = 'noreply@cairn.test'

/** A local HTTP server standing for a Twilio-style SMS provider; records what it accepted. */
interface SmsProvider {
  url: string
  received: { to: string; from: string; body: string; authorization?: string; contentType?: string }[]
  /** Status of the next answers (200 by default). */
  status: number
  close(): Promise<void>
}

async function startSmsProvider(): Promise<SmsProvider> {
  const provider = { received: [], status: 200 } as unknown as SmsProvider
  const server: HttpServer = createHttpServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
      if (provider.status >= 200 && provider.status < 300)
        provider.received.push({
          to: form.get('To') ?? '',
          from: form.get('From') ?? '',
          body: form.get('Body') ?? '',
          authorization: request.headers.authorization,
          contentType: request.headers['content-type'],
        })
      response.writeHead(provider.status, { 'content-type': 'application/json' })
      response.end(JSON.stringify({ sid: 'SM0001', to: form.get('To') }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  provider.url = `http://127.0.0.1:${port}/2010-04-01/Accounts/AC123/Messages.json`
  provider.close = () => new Promise<void>((resolve) => server.close(() => resolve()))
  return provider
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined && value !== false) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** Log lines the outbox wrote, by level. */
function collectingLog(): OutboxLog & { lines: { level: string; details: object; message: string }[] } {
  const lines: { level: string; details: object; message: string }[] = []
  return {
    lines,
    info: (details, message) => lines.push({ level: 'info', details, message }),
    warn: (details, message) => lines.push({ level: 'warn', details, message }),
    error: (details, message) => lines.push({ level: 'error', details, message }),
  }
}

/** How one backend opens storage on the same database again and again, and reads raw rows. */
interface Backend {
  name: string
  open(): KyselyStorage
  /** Every trace of the outbox row of `id` in the database, as text (SQLite: the whole files). */
  raw(id: string): Promise<string>
  cleanup(): Promise<void>
}

function sqliteBackend(): Backend {
  const dataDir = mkdtempSync(join(tmpdir(), 'cairn-outbox-e2e-'))
  return {
    name: 'SQLite',
    open: () => createStorage({ dataDir, sqliteBusyTimeoutMs: 5_000 }),
    raw: (_id) =>
      Promise.resolve(
        readdirSync(dataDir)
          .map((file) => readFileSync(join(dataDir, file)).toString('latin1'))
          .join('\n'),
      ),
    cleanup: () => Promise.resolve(rmSync(dataDir, { recursive: true, force: true })),
  }
}

function postgresBackend(databaseUrl: string): Backend {
  const pgSchema = `cairn_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`
  return {
    name: 'PostgreSQL',
    open: () => createStorage({ databaseUrl, dataDir: 'unused', pgSchema }),
    async raw(id) {
      const client = new pg.Client({ connectionString: databaseUrl })
      await client.connect()
      try {
        const { rows } = await client.query<{ t: string }>(
          `select t::text as t from "${pgSchema}".outbox_message t where id = $1`,
          [id],
        )
        if (rows.length !== 1) throw new Error(`no outbox row ${id}`)
        return rows[0].t
      } finally {
        await client.end()
      }
    },
    cleanup: () => dropPgSchema(databaseUrl, pgSchema),
  }
}

const databaseUrl = process.env.DATABASE_URL
const BACKENDS: { name: string; enabled: boolean; make: () => Backend }[] = [
  { name: 'SQLite', enabled: true, make: sqliteBackend },
  { name: 'PostgreSQL', enabled: Boolean(databaseUrl), make: () => postgresBackend(databaseUrl!) },
]

for (const { name, enabled, make } of BACKENDS) {
  describe.skipIf(!enabled)(`outbox with real transports (${name})`, () => {
    let backend: Backend
    let smtp: SmtpSink | undefined
    let sms: SmsProvider | undefined
    /** What each test opened, closed at its end (outboxes first, then storage). */
    let opened: { outbox: Outbox; storage: KyselyStorage }[] = []

    beforeEach(() => {
      backend = make()
      opened = []
    })
    afterEach(async () => {
      for (const { outbox, storage } of opened.reverse()) {
        await outbox.close()
        await storage.close()
      }
      await smtp?.close()
      smtp = undefined
      await sms?.close()
      sms = undefined
      await backend.cleanup()
    })

    const config = (extra: Partial<OutboxConfig> = {}): OutboxConfig => ({
      smtpFrom: FROM,
      devOutbox: false,
      outboxMaxAttempts: 8,
      outboxRetryBaseMs: 50,
      ...extra,
    })

    /** Opens storage on the test's database and an outbox over it (not started unless `start`). */
    async function open(
      outboxConfig: OutboxConfig,
      options: OutboxOptions & { start?: boolean } = {},
    ): Promise<{ outbox: Outbox; storage: KyselyStorage; log: ReturnType<typeof collectingLog> }> {
      const storage = backend.open()
      await storage.init()
      const { start = true, ...rest } = options
      const outbox = new Outbox(storage.outbox, SECRET, outboxConfig, { pollMs: 250, ...rest })
      const log = collectingLog()
      outbox.attach(log)
      opened.push({ outbox, storage })
      if (start) await outbox.init()
      return { outbox, storage, log }
    }

    const email = (to: string, code: string) =>
      ({
        channel: 'email',
        to,
        subject: `Your code is ${code}`,
        html: `<p>Enter <b>${code}</b> to sign in.</p>`,
        text: `Enter ${code} to sign in.`,
        kind: 'code',
      }) as const

    it('delivers an email with its sender, recipient, subject and bodies, then deletes its content', async () => {
      smtp = await startSmtp()
      const { outbox, storage, log } = await open(config({ smtpUrl: smtp.url }))
      const id = await outbox.enqueue(email('jane@example.org', '735194'))
      const mail = await waitFor('the email', () => smtp!.mails[0])
      expect(mail).toEqual({
        from: FROM,
        to: ['jane@example.org'],
        fromHeader: FROM,
        subject: 'Your code is 735194',
        html: '<p>Enter <b>735194</b> to sign in.</p>',
        text: 'Enter 735194 to sign in.',
      })
      const row = await waitFor('the sent status', async () => {
        const r = await storage.outbox.get(id)
        return r?.status === 'sent' ? r : undefined
      })
      expect(row).toMatchObject({
        attempts: 1,
        channel: 'email',
        recipient: 'jane@example.org',
        kind: 'code',
      })
      expect(row.payload).toBeUndefined()
      expect(await backend.raw(id)).not.toContain('735194')
      expect(await outbox.last('email', 'jane@example.org')).toBeUndefined()
      const [listed] = await outbox.list({ status: 'sent' })
      expect(listed).toMatchObject({
        id,
        channel: 'email',
        to: 'jane@example.org',
        status: 'sent',
        attempts: 1,
      })
      expect(listed.sent).toBeGreaterThanOrEqual(listed.created)
      expect(listed.nextAttempt).toBeUndefined()
      // The start-up line names the transport, the sent line the message; neither holds content.
      expect(log.lines[0].message).toBe(
        `outbox: email via smtp://127.0.0.1:${smtp.port}, SMS off, development outbox off`,
      )
      expect(JSON.stringify(log.lines)).not.toContain('735194')
      expect(JSON.stringify(log.lines)).not.toContain('jane@')
    })

    it('uses the sender of the message when it has one', async () => {
      smtp = await startSmtp()
      const { outbox } = await open(config({ smtpUrl: smtp.url }))
      await outbox.enqueue({ ...email('bob@example.org', '111111'), from: 'My Clinic <clinic@example.org>' })
      const mail = await waitFor('the email', () => smtp!.mails[0])
      expect(mail.from).toBe('clinic@example.org')
      expect(mail.fromHeader).toBe('"My Clinic" <clinic@example.org>')
    })

    it("claims nothing while mayClaim says no (an instance whose secret is no longer the others')", async () => {
      smtp = await startSmtp()
      let allowed = false
      let asked = 0
      const mayClaim = () => {
        asked++
        return Promise.resolve(allowed)
      }
      const { outbox, storage } = await open(config({ smtpUrl: smtp.url }), { mayClaim })
      const id = await outbox.enqueue(email('waiting@example.org', '481516'))
      await waitFor('the worker to ask', () => asked >= 2)
      expect(await storage.outbox.get(id)).toMatchObject({ status: 'pending', attempts: 0 })
      expect(smtp.mails).toHaveLength(0)
      allowed = true
      await waitFor('the email', () => smtp!.mails[0])
    })

    it('keeps the content sealed at rest until it is sent', async () => {
      smtp = await startSmtp()
      const { outbox, storage } = await open(config({ smtpUrl: smtp.url }), { start: false })
      const id = await outbox.enqueue(email('sealed@example.org', '902417'))
      const pending = await storage.outbox.get(id)
      expect(pending?.status).toBe('pending')
      expect(pending?.payload).toMatch(/^v1\./)
      const raw = await backend.raw(id)
      expect(raw).toContain(id)
      for (const clear of ['902417', 'Your code is', 'to sign in']) expect(raw).not.toContain(clear)
      await outbox.init()
      await waitFor('the email', () => smtp!.mails[0])
      await waitFor('the payload to go', async () => (await storage.outbox.get(id))?.payload === undefined)
    })

    it('delivers an SMS as a form post with Basic credentials', async () => {
      sms = await startSmsProvider()
      const { outbox, storage, log } = await open(
        config({ smsUrl: sms.url, smsUser: 'AC123', smsPassword: 'tw-auth-token', smsFrom: '+3225550000' }),
      )
      expect(outbox.canSend('sms')).toBe(true)
      expect(outbox.canSend('email')).toBe(false)
      const id = await outbox.enqueue({
        channel: 'sms',
        to: '+32475123456',
        message: 'Code: 551200',
        kind: 'code',
      })
      const got = await waitFor('the SMS', () => sms!.received[0])
      expect(got).toEqual({
        to: '+32475123456',
        from: '+3225550000',
        body: 'Code: 551200',
        authorization: `Basic ${Buffer.from('AC123:tw-auth-token').toString('base64')}`,
        contentType: 'application/x-www-form-urlencoded',
      })
      await waitFor('the sent status', async () => (await storage.outbox.get(id))?.status === 'sent')
      expect(log.lines[0].message).toContain(`SMS via ${new URL(sms.url).origin}`)
      expect(JSON.stringify(log.lines)).not.toContain('tw-auth-token')
    })

    it('retries an SMS the provider refused, then delivers it', async () => {
      sms = await startSmsProvider()
      sms.status = 503
      const { outbox, storage, log } = await open(config({ smsUrl: sms.url, smsFrom: 'Cairn' }))
      const id = await outbox.enqueue({
        channel: 'sms',
        to: '+32475999888',
        message: 'Code: 424242',
        kind: 'code',
      })
      const retried = await waitFor('a retry', async () => {
        const r = await storage.outbox.get(id)
        return r && r.attempts >= 1 && r.lastError ? r : undefined
      })
      expect(retried.lastError).toBe('SMS provider answered HTTP 503')
      sms.status = 201
      await waitFor('the SMS', () => sms!.received[0])
      const sent = await waitFor('the sent status', async () => {
        const r = await storage.outbox.get(id)
        return r?.status === 'sent' ? r : undefined
      })
      expect(sent.attempts).toBeGreaterThanOrEqual(2)
      const warning = log.lines.find((l) => l.level === 'warn')
      expect(JSON.stringify(warning)).toContain('+32***88')
      expect(JSON.stringify(log.lines)).not.toContain('424242')
      expect(JSON.stringify(log.lines)).not.toContain('+32475999888')
    })

    it('retries while the mail server is down, with back-off, and delivers once it is up', async () => {
      const port = await unusedPort()
      const { outbox, storage, log } = await open(config({ smtpUrl: `smtp://127.0.0.1:${port}` }))
      const id = await outbox.enqueue(email('later@example.org', '318008'))
      const pending = await waitFor('two failed attempts', async () => {
        const r = await storage.outbox.get(id)
        return r && r.attempts >= 2 && r.status === 'pending' && r.leaseUntil === undefined ? r : undefined
      })
      expect(pending.lastError).toMatch(/ECONNREFUSED/)
      const [listed] = await outbox.list({ status: 'pending' })
      expect(listed).toMatchObject({ id, status: 'pending' })
      expect(listed.nextAttempt).toBeGreaterThan(listed.created)
      smtp = await startSmtp(port)
      const mail = await waitFor('the email', () => smtp!.mails[0])
      expect(mail.subject).toBe('Your code is 318008')
      const sent = await waitFor('the sent status', async () => {
        const r = await storage.outbox.get(id)
        return r?.status === 'sent' ? r : undefined
      })
      expect(sent.payload).toBeUndefined()
      expect(log.lines.filter((l) => l.level === 'warn').length).toBeGreaterThanOrEqual(2)
      expect(log.lines.some((l) => l.level === 'error')).toBe(false)
      expect(smtp.mails).toHaveLength(1)
    })

    it('fails a message after the last attempt, spacing attempts by a doubling delay, and reports it', async () => {
      smtp = await startSmtp(0, (address) => address.startsWith('bounce'))
      const { outbox, storage, log } = await open(config({ smtpUrl: smtp.url, outboxMaxAttempts: 4 }))
      const id = await outbox.enqueue(email('bounce.me@example.org', '660066'))
      const ok = await outbox.enqueue(email('fine@example.org', '123123'))
      const failed = await waitFor(
        'the failed status',
        async () => {
          const r = await storage.outbox.get(id)
          return r?.status === 'failed' ? r : undefined
        },
        15_000,
      )
      expect(failed.attempts).toBe(4)
      expect(failed.payload).toBeUndefined()
      expect(failed.lastError).toContain('550')
      expect(failed.lastError).not.toContain('bounce.me@')
      // Exactly 4 attempts, each after 50, 100, then 200 ms at least.
      const attempts = smtp.rcpt.filter((r) => r.address === 'bounce.me@example.org').map((r) => r.at)
      expect(attempts).toHaveLength(4)
      for (let i = 1; i < attempts.length; i++)
        expect(attempts[i] - attempts[i - 1], `gap ${i}`).toBeGreaterThanOrEqual(50 * 2 ** (i - 1) - 5)
      expect((await outbox.list({ status: 'failed' })).map((m) => m.id)).toEqual([id])
      const [entry] = await outbox.list({ status: 'failed' })
      expect(entry).toMatchObject({
        to: 'bounce.me@example.org',
        attempts: 4,
        kind: 'code',
        channel: 'email',
      })
      const errors = log.lines.filter((l) => l.level === 'error')
      expect(errors).toHaveLength(1)
      expect(errors[0].details).toMatchObject({
        outbox: { id, channel: 'email', kind: 'code', attempts: 4, to: 'b***@example.org' },
      })
      expect(errors[0].message).toContain(id)
      const everything = JSON.stringify(log.lines)
      expect(everything).not.toContain('660066')
      expect(everything).not.toContain('bounce.me@')
      // The other message was not held up.
      await waitFor('the other email', async () => (await storage.outbox.get(ok))?.status === 'sent')
    })

    it('delivers exactly once a message queued before a restart while the mail server was down', async () => {
      const port = await unusedPort()
      const smtpUrl = `smtp://127.0.0.1:${port}`
      const before = await open(config({ smtpUrl }))
      const id = await before.outbox.enqueue(email('restart@example.org', '777001'))
      await waitFor('a failed attempt', async () => {
        const r = await before.storage.outbox.get(id)
        return r && r.attempts >= 1 && r.leaseUntil === undefined
      })
      await before.outbox.close()
      await before.storage.close()
      opened = []
      smtp = await startSmtp(port)
      const after = await open(config({ smtpUrl }))
      await waitFor('the email', () => smtp!.mails[0])
      await waitFor('the sent status', async () => (await after.storage.outbox.get(id))?.status === 'sent')
      // Nothing else arrives afterwards.
      await new Promise((resolve) => setTimeout(resolve, 400))
      expect(smtp.mails.map((m) => m.subject)).toEqual(['Your code is 777001'])
    })

    it('sends again a message whose worker died holding it, once the lease ends', async () => {
      smtp = await startSmtp()
      const first = await open(config({ smtpUrl: smtp.url }), { start: false })
      const id = await first.outbox.enqueue(email('crash@example.org', '909090'))
      // A worker claims it, then dies before any outcome (its lease: 600 ms).
      const [claimed] = await first.storage.outbox.claim(Date.now(), 600, 10)
      expect(claimed.id).toBe(id)
      const second = await open(config({ smtpUrl: smtp.url }))
      await waitFor('the email', () => smtp!.mails[0])
      const sent = await waitFor('the sent status', async () => {
        const r = await second.storage.outbox.get(id)
        return r?.status === 'sent' ? r : undefined
      })
      // Not before the lease ended, and counted as a second attempt.
      expect(sent.attempts).toBe(2)
      expect(sent.sent! - claimed.leaseUntil).toBeGreaterThanOrEqual(0)
      expect(smtp.mails).toHaveLength(1)
    })

    it('shares the outbox between two instances: each message sent once', async () => {
      smtp = await startSmtp()
      const a = await open(config({ smtpUrl: smtp.url }))
      const b = await open(config({ smtpUrl: smtp.url }))
      const ids = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 ? a : b).outbox.enqueue(email(`u${i}@example.org`, `${100000 + i}`)),
        ),
      )
      await waitFor('20 emails', () => smtp!.mails.length >= 20, 15_000)
      await waitFor('every sent status', async () => {
        const rows = await Promise.all(ids.map((id) => a.storage.outbox.get(id)))
        return rows.every((r) => r?.status === 'sent')
      })
      await new Promise((resolve) => setTimeout(resolve, 300))
      expect(smtp.mails).toHaveLength(20)
      expect(new Set(smtp.mails.map((m) => m.to[0])).size).toBe(20)
    })

    it('refuses a message for a channel without a transport (503), unless the development outbox is on', async () => {
      const { outbox } = await open(config())
      expect(outbox.canSend('email')).toBe(false)
      const refused = await outbox.enqueue(email('x@example.org', '1')).catch((e: unknown) => e)
      expect(refused).toBeInstanceOf(AppError)
      expect(refused).toMatchObject({ code: 'UNAVAILABLE', status: 503 })
      expect((refused as Error).message).toContain('CAIRN_SMTP_URL')
      const sms = await outbox
        .enqueue({ channel: 'sms', to: '+3212345678', message: 'x', kind: 'code' })
        .catch((e: unknown) => e)
      expect((sms as AppError).status).toBe(503)
      expect((sms as Error).message).toContain('CAIRN_SMS_URL')
      expect(await outbox.list({})).toEqual([])
    })

    it('refuses anything but one recipient', async () => {
      const { outbox } = await open(config({ devOutbox: true }))
      for (const to of [
        'a@example.org, b@example.org',
        'Jane <jane@example.org>',
        'a@x.org\r\nBcc: b@y.org',
        'nobody',
      ])
        await expect(outbox.enqueue(email(to, '1')), to).rejects.toMatchObject({
          code: 'BAD_REQUEST',
          status: 400,
        })
      await expect(
        outbox.enqueue({ channel: 'sms', to: '+32470000001,+32470000002', message: 'x', kind: 'code' }),
      ).rejects.toMatchObject({ status: 400 })
      expect(await outbox.list({})).toEqual([])
      await outbox.enqueue(email("o'brien+tag@sub.example.org", '1'))
    })

    it('development outbox without transports: delivered at once and readable by last()', async () => {
      const { outbox, log } = await open(config({ devOutbox: true }))
      expect(outbox.devOutbox).toBe(true)
      expect(outbox.canSend('email')).toBe(true)
      expect(outbox.canSend('sms')).toBe(true)
      await outbox.enqueue(email('dev@example.org', '000111'))
      const id = await outbox.enqueue(email('dev@example.org', '000222'))
      await outbox.enqueue({ channel: 'sms', to: '+32470000001', message: 'Code 333444', kind: 'code' })
      expect(await outbox.last('email', 'dev@example.org')).toEqual({
        to: 'dev@example.org',
        from: FROM,
        subject: 'Your code is 000222',
        html: '<p>Enter <b>000222</b> to sign in.</p>',
        text: 'Enter 000222 to sign in.',
        created: expect.any(Number) as number,
      })
      expect(await outbox.last('sms', '+32470000001')).toEqual({
        to: '+32470000001',
        message: 'Code 333444',
        created: expect.any(Number) as number,
      })
      expect(await outbox.last('email', 'nobody@example.org')).toBeUndefined()
      expect(await outbox.last('sms', 'dev@example.org')).toBeUndefined()
      const [newest] = await outbox.list({ status: 'sent', limit: 2 })
      expect(newest).toMatchObject({ status: 'sent', channel: 'sms', attempts: 0 })
      expect((await outbox.list({ limit: 3 })).map((m) => m.id)).toContain(id)
      expect(log.lines.some((l) => l.level === 'warn' && l.message.includes('CAIRN_DEV_OUTBOX=1'))).toBe(true)
    })

    it('development outbox with a transport: sent, and still readable', async () => {
      smtp = await startSmtp()
      const { outbox, storage } = await open(config({ smtpUrl: smtp.url, devOutbox: true }))
      const id = await outbox.enqueue(email('kept@example.org', '545454'))
      await waitFor('the email', () => smtp!.mails[0])
      const row = await waitFor('the sent status', async () => {
        const r = await storage.outbox.get(id)
        return r?.status === 'sent' ? r : undefined
      })
      expect(row.payload).toMatch(/^v1\./)
      expect((await outbox.last('email', 'kept@example.org'))?.subject).toBe('Your code is 545454')
    })

    it('close() waits for a send under way and records its outcome', async () => {
      smtp = await startSmtp()
      const { outbox, storage } = await open(config({ smtpUrl: smtp.url }))
      const id = await outbox.enqueue(email('closing@example.org', '818181'))
      await outbox.close()
      const row = await storage.outbox.get(id)
      // Either the round had not claimed it yet (pending, no lease) or it finished the send.
      if (row?.status === 'sent') expect(smtp.mails).toHaveLength(1)
      else expect(row).toMatchObject({ status: 'pending', attempts: 0 })
      await expect(outbox.enqueue(email('late@example.org', '1'))).rejects.toMatchObject({ status: 503 })
    })
  })
}
