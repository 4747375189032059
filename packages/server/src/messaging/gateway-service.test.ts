import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ProcessStartBodyDto } from '@cairn/protocol'
import { createStorage, type Storage } from '../storage/index.ts'
import { EventBus } from '../events/event-bus.ts'
import { AppError } from '../http/app-error.ts'
import { LoginThrottle } from '../auth/login-throttle.ts'
import { CodeLogin } from '../auth/code-login.ts'
import { loadConfig } from '../config.ts'
import type { MessageOutbox, OutgoingMessage } from './outgoing-message.ts'
import { CaptchaVerifier } from './captcha-verifier.ts'
import { GatewayService } from './gateway-service.ts'
import { sendThrottlePolicy, startThrottlePolicy, validationThrottlePolicy } from './gateway-throttles.ts'
import { Registration } from './registration.ts'
import { INVALID_CODE, ValidationCodeHasher } from './validation-code.ts'
import { AuthProcessAdmin } from './auth-process-admin.ts'
import type { Caller } from '../auth/caller.ts'

/**
 * The gateway service on a real SQLite database, with an injected clock (expiry and back-off without
 * waiting) and, for this unit test only, an in-memory outbox that records what the service queues
 * (route tests go through the real outbox: tests/messaging/gateway.e2e.test.ts).
 */

/** A MessageOutbox that keeps the messages in memory (unit tests of services only). */
class RecordingOutbox implements MessageOutbox {
  readonly devOutbox = true
  readonly messages: OutgoingMessage[] = []
  canSend(): boolean {
    return true
  }
  enqueue(message: OutgoingMessage): Promise<string> {
    this.messages.push(message)
    return Promise.resolve(randomUUID())
  }
  last(channel: 'email' | 'sms', to: string) {
    const m = [...this.messages].reverse().find((x) => x.channel === channel && x.to === to)
    if (!m) return Promise.resolve(undefined)
    return Promise.resolve(
      m.channel === 'email'
        ? { to: m.to, subject: m.subject, html: m.html, text: m.text, created: 0 }
        : { to: m.to, message: m.message, created: 0 },
    )
  }
  list() {
    return Promise.resolve([])
  }
}

const ADMIN: Caller = { userId: 'admin', isAdmin: true, requestId: 'r' }
const SPEC = 'unit-app'

describe('gateway service (SQLite, injected clock)', () => {
  let dataDir: string
  let storage: Storage
  let clock = 1_800_000_000_000
  const now = () => clock
  const outbox = new RecordingOutbox()
  const codes = new ValidationCodeHasher('unit-test-secret-of-at-least-32-chars')
  let gateway: GatewayService
  let codeLogin: CodeLogin
  const processes: Record<string, string> = {}
  let responsible: string

  const body = (from: string, extra: Partial<ProcessStartBodyDto> = {}): ProcessStartBodyDto => ({
    from,
    ...extra,
  })
  const codeOf = (to: string) => {
    const m = [...outbox.messages].reverse().find((x) => x.to === to)
    if (!m) return undefined
    return /\b(\d{6,12})\b/.exec(m.channel === 'email' ? m.subject : m.message)![1]
  }
  let counter = 0
  const email = (name: string) => `${name}-${++counter}@example.org`
  /** A distinct client address per call site, so that address budgets do not mix tests. */
  const ip = () => `198.51.100.${++counter % 250}`

  async function errorOf(promise: Promise<unknown>): Promise<AppError> {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(AppError)
    return error as AppError
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'cairn-gateway-'))
    storage = createStorage({ dataDir })
    await storage.init()
    const config = loadConfig({}, { dataDir })
    const throttle = (policy: ReturnType<typeof startThrottlePolicy>) =>
      new LoginThrottle(storage, policy, 'unused', now)
    const events = new EventBus(() => undefined)
    gateway = new GatewayService(
      storage,
      codes,
      new CaptchaVerifier({ recaptcha: 'http://127.0.0.1:9', friendlyCaptcha: 'http://127.0.0.1:9' }),
      {
        start: throttle(startThrottlePolicy(config)),
        validation: throttle(validationThrottlePolicy(config)),
        send: throttle(sendThrottlePolicy(config)),
      },
      new Registration(storage, events),
      outbox,
      now,
    )
    codeLogin = new CodeLogin(storage, codes, now)
    // The responsible professional of the patient process.
    responsible = randomUUID()
    await storage.insertDocs('healthcareProfessional', [
      {
        id: responsible,
        rev: '1-a',
        doc: JSON.stringify({ id: responsible, rev: '1-a' }),
        created: 1,
        modified: 1,
        indexes: {},
      },
    ])
    const admin = new AuthProcessAdmin(storage, now)
    await admin.putApplication(ADMIN, SPEC, { name: 'Unit app', captcha: 'none' })
    const create = async (json: Record<string, unknown>) =>
      (await admin.createProcess(ADMIN, { specId: SPEC, channel: 'email', kind: 'patient', ...json })).id
    processes.patient = await create({ responsibleHcpId: responsible, codeLifetimeSeconds: 60 })
    processes.hcp = await create({ kind: 'healthcareProfessional', allowRegistration: true })
    processes.sms = await create({ channel: 'sms', maxAttempts: 2 })
    processes.loginOnly = await create({ allowRegistration: false })
  })
  afterAll(async () => {
    await storage.close()
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('registers a patient: code by email, wrong code refused, right code creates the patient and its user; the code logs in once', async () => {
    const to = email('jane')
    const requestId = randomUUID()
    expect(
      await gateway.start(
        SPEC,
        processes.patient,
        requestId,
        8,
        body(to.toUpperCase(), { firstName: ' Jane ', lastName: 'Doe' }),
        ip(),
      ),
    ).toEqual({ requestId })
    const message = outbox.messages.at(-1)!
    expect(message).toMatchObject({ channel: 'email', to, kind: 'code' })
    const code = codeOf(to)!
    expect(code).toHaveLength(8)
    expect(message.channel === 'email' && message.html).toContain('Unit app')
    expect(message.channel === 'email' && message.text).toContain('valid for 1 minutes')

    const wrong = code === '00000000' ? '11111111' : '00000000'
    expect(await errorOf(gateway.validate(SPEC, `${requestId}-${wrong}`, ip(), 'r'))).toMatchObject({
      code: 'BAD_REQUEST',
      message: INVALID_CODE,
    })
    // Another application's validation route does not know the request either.
    expect((await errorOf(gateway.validate('other-app', `${requestId}-${code}`, ip(), 'r'))).message).toBe(
      INVALID_CODE,
    )
    expect(await gateway.validate(SPEC, `${requestId}-${code}`, ip(), 'r')).toEqual({ valid: true })

    const user = (await storage.findUserByIdentifier(to))!
    expect(user).toMatchObject({
      login: to,
      email: to,
      passwordHash: null,
      status: 'ACTIVE',
      managedBy: responsible,
    })
    const patient = (await storage.getDoc('patient', user.dataOwnerId!))!
    const record = JSON.parse(patient.doc) as Record<string, unknown>
    expect(record).toMatchObject({
      id: user.dataOwnerId,
      firstName: 'Jane',
      lastName: 'Doe',
      responsible,
      author: user.id,
      systemMetaData: { delegations: {}, encryptionKeys: {}, cryptedForeignKeys: {}, secretForeignKeys: [] },
    })
    expect(record.rev).toBe(patient.rev)
    expect(JSON.parse(user.doc)).toMatchObject({ patientId: user.dataOwnerId, name: 'Jane Doe' })

    // Validating again changes nothing (no second account); the code then logs in exactly once.
    expect(await gateway.validate(SPEC, `${requestId}-${code}`, ip(), 'r')).toEqual({ valid: true })
    expect((await storage.findUsersPage({ any: [{ ids: [user.id] }] }, undefined, 10)).total).toBe(1)
    expect(await codeLogin.consume(user, wrong)).toBe(false)
    const logins = await Promise.all([codeLogin.consume(user, code), codeLogin.consume(user, code)])
    expect(logins.filter(Boolean)).toHaveLength(1)
    expect(await codeLogin.consume(user, code)).toBe(false)
    expect((await errorOf(gateway.validate(SPEC, `${requestId}-${code}`, ip(), 'r'))).message).toBe(
      INVALID_CODE,
    )
  })

  it('registers a healthcare professional by a code, and two concurrent validations create one account', async () => {
    const to = email('doc')
    const requestId = randomUUID()
    await gateway.start(
      SPEC,
      processes.hcp,
      requestId,
      undefined,
      body(to, { firstName: 'Greg', lastName: 'House' }),
      ip(),
    )
    const code = codeOf(to)!
    const results = await Promise.all([
      gateway.validate(SPEC, `${requestId}-${code}`, ip(), 'r'),
      gateway.validate(SPEC, `${requestId}-${code}`, ip(), 'r'),
    ])
    expect(results).toEqual([{ valid: true }, { valid: true }])
    const user = (await storage.findUserByIdentifier(to))!
    expect(user.managedBy).toBeNull()
    const hcp = JSON.parse(
      (await storage.getDoc('healthcareProfessional', user.dataOwnerId!))!.doc,
    ) as Record<string, unknown>
    expect(hcp).toMatchObject({ firstName: 'Greg', lastName: 'House', author: user.id })
    expect(hcp.systemMetaData).toBeUndefined()
    expect(JSON.parse(user.doc)).toMatchObject({ healthcarePartyId: user.dataOwnerId })
  })

  it('lets codes expire: a validation after the lifetime fails, and so does a login after it', async () => {
    const to = email('late')
    const first = randomUUID()
    await gateway.start(SPEC, processes.patient, first, undefined, body(to), ip())
    const lateCode = codeOf(to)!
    clock += 60_000
    expect((await errorOf(gateway.validate(SPEC, `${first}-${lateCode}`, ip(), 'r'))).message).toBe(
      INVALID_CODE,
    )
    expect(await storage.findUserByIdentifier(to)).toBeUndefined()

    const second = randomUUID()
    await gateway.start(SPEC, processes.patient, second, undefined, body(to), ip())
    const code = codeOf(to)!
    clock += 59_000
    await gateway.validate(SPEC, `${second}-${code}`, ip(), 'r')
    const user = (await storage.findUserByIdentifier(to))!
    clock += 1_000
    expect(await codeLogin.consume(user, code)).toBe(false)
  })

  it('never sends a code shorter than the process asks, whatever length the client requests', async () => {
    const admin = new AuthProcessAdmin(storage, now)
    const long = (
      await admin.createProcess(ADMIN, { specId: SPEC, channel: 'email', kind: 'patient', codeLength: 9 })
    ).id
    const to = email('long')
    await gateway.start(SPEC, long, randomUUID(), 6, body(to), ip())
    expect(codeOf(to)).toHaveLength(9)
    const longer = email('longer')
    await gateway.start(SPEC, long, randomUUID(), 11, body(longer), ip())
    expect(codeOf(longer)).toHaveLength(11)
  })

  it('kills a request after its attempts, also for the right code', async () => {
    const phone = `+3247${String(Date.now()).slice(-7)}`
    const requestId = randomUUID()
    await gateway.start(SPEC, processes.sms, requestId, undefined, body(phone), ip())
    const sms = outbox.messages.at(-1)!
    expect(sms).toMatchObject({ channel: 'sms', to: phone })
    const code = codeOf(phone)!
    const wrong = code === '000000' ? '111111' : '000000'
    for (let i = 0; i < 2; i++) await errorOf(gateway.validate(SPEC, `${requestId}-${wrong}`, ip(), 'r'))
    expect((await errorOf(gateway.validate(SPEC, `${requestId}-${code}`, ip(), 'r'))).message).toBe(
      INVALID_CODE,
    )
    expect(await storage.findUserByIdentifier(phone)).toBeUndefined()
  })

  it('answers the same for an unknown recipient of a login-only process, and sends it nothing', async () => {
    const known = email('known')
    const registering = randomUUID()
    await gateway.start(SPEC, processes.patient, registering, undefined, body(known), ip())
    await gateway.validate(SPEC, `${registering}-${codeOf(known)!}`, ip(), 'r')

    const unknown = email('unknown')
    const sent = outbox.messages.length
    const a = randomUUID()
    const b = randomUUID()
    expect(await gateway.start(SPEC, processes.loginOnly, a, undefined, body(known), ip())).toEqual({
      requestId: a,
    })
    expect(await gateway.start(SPEC, processes.loginOnly, b, undefined, body(unknown), ip())).toEqual({
      requestId: b,
    })
    expect(outbox.messages.length).toBe(sent + 1)
    expect(outbox.messages.at(-1)!.to).toBe(known)
    expect(codeOf(unknown)).toBeUndefined()
    // Its request exists all the same: a reused id is a 409 for both, and no code validates it.
    for (const id of [a, b])
      expect(
        (await errorOf(gateway.start(SPEC, processes.loginOnly, id, undefined, body(unknown), ip()))).code,
      ).toBe('CONFLICT')
    expect((await errorOf(gateway.validate(SPEC, `${b}-123456`, ip(), 'r'))).message).toBe(INVALID_CODE)
  })

  it('limits the starts per recipient before sending anything, and lets them go again after the back-off', async () => {
    const to = email('flood')
    for (let i = 0; i < 3; i++)
      await gateway.start(SPEC, processes.patient, randomUUID(), undefined, body(to), ip())
    const sent = outbox.messages.length
    const refused = await errorOf(
      gateway.start(SPEC, processes.patient, randomUUID(), undefined, body(to), ip()),
    )
    expect(refused).toMatchObject({ code: 'RATE_LIMITED', retryAfter: 30 })
    expect(outbox.messages.length).toBe(sent)
    clock += 30_000
    await gateway.start(SPEC, processes.patient, randomUUID(), undefined, body(to), ip())
    expect(outbox.messages.length).toBe(sent + 1)
  })

  it('refuses bad recipients and unknown applications or processes', async () => {
    expect(
      await errorOf(gateway.start(SPEC, processes.patient, randomUUID(), undefined, body('jane'), ip())),
    ).toMatchObject({
      code: 'BAD_REQUEST',
      message:
        'Invalid email address. Provided email must satisfy the format RFC5322 : local-part@domain.extension',
    })
    expect(
      (await errorOf(gateway.start(SPEC, processes.sms, randomUUID(), undefined, body('0470123456'), ip())))
        .message,
    ).toBe('Invalid phone number. Provided mobile phone must satisfy the following format : +XXXXXXXXX')
    expect(
      (
        await errorOf(
          gateway.start('nope', processes.patient, randomUUID(), undefined, body(email('x')), ip()),
        )
      ).code,
    ).toBe('NOT_FOUND')
    expect(
      (await errorOf(gateway.start(SPEC, 'nope', randomUUID(), undefined, body(email('x')), ip()))).code,
    ).toBe('NOT_FOUND')
    expect((await errorOf(gateway.validate(SPEC, 'garbage', ip(), 'r'))).message).toBe(INVALID_CODE)
  })
})
