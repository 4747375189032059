import { createServer, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  AnonymousMedTechApiBuilder,
  Content,
  DataSample,
  MemoryStorage,
  SimpleMedTechCryptoStrategies,
  medTechApi,
  type AnonymousMedTechApi,
  type AuthenticationProcess,
  type KeyPair,
} from '@cairn/sdk'
import { BACKENDS } from '../support/backends.ts'
import { disposeServer, startServer, type ServerProcess } from '../support/server-process.ts'
import { newHcp, type Actor } from '../support/actors.ts'
import { call, expectError } from '../access/http.ts'

/**
 * Sign-up and login by a code received by email or SMS, through AnonymousMedTechApi's authenticationApi
 * (medtech-api.md §5), against a real server whose development outbox (CAIRN_DEV_OUTBOX=1) keeps the
 * messages readable at lastEmail / lastSMS, as MedTech's test gateway does: registration of patients
 * and professionals, login of an existing user on a new device, every error text of §5 and §1.3, and
 * the abuse rules (same answer for unknown recipients, wrong codes, reuse, brute force, expiry, rate
 * limits, captcha).
 */

const SPEC = 'signup-app'
const CAPTCHA_SPEC = 'captcha-app'
const CAPTCHA_SECRET = 'site-secret-for-tests'
const GOOD_CAPTCHA = 'a-solved-captcha'
const START_ERROR =
  'In order to start authentication of a user, you should at least provide its email OR its phone number'
const MISSING_PROCESS =
  'In order to start a user authentication with an email, you need to instantiate the API with a authProcessByEmailId. If you want to start the authentication with a phone number, then you need to instantiate the API with a authProcessBySmsId'
const BAD_EMAIL =
  'Invalid email address. Provided email must satisfy the format RFC5322 : local-part@domain.extension'
const BAD_PHONE = 'Invalid phone number. Provided mobile phone must satisfy the following format : +XXXXXXXXX'

let counter = 0
const uniqueEmail = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++counter}@example.org`
const uniquePhone = () => `+3247${String(Date.now()).slice(-6)}${String(++counter).padStart(2, '0')}`

/** What a call rejects with (the test fails if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(Error)
  return error as Error
}

/**
 * A reCAPTCHA siteverify endpoint on a local port (the server is pointed at it with
 * CAIRN_RECAPTCHA_VERIFY_URL): success only for the site's secret and the solved captcha.
 */
async function startSiteVerify(): Promise<{ url: string; server: Server; calls: number }> {
  const state = { calls: 0 }
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (d: Buffer) => (body += d.toString()))
    req.on('end', () => {
      state.calls++
      const form = new URLSearchParams(body)
      const success = form.get('secret') === CAPTCHA_SECRET && form.get('response') === GOOD_CAPTCHA
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ success, ...(success ? {} : { 'error-codes': ['invalid-input-response'] }) }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return {
    url: `http://127.0.0.1:${port}/siteverify`,
    server,
    get calls() {
      return state.calls
    },
  }
}

for (const backend of BACKENDS) {
  describe.skipIf(!backend.enabled)(`authenticationApi (${backend.name})`, () => {
    let server: ServerProcess
    let siteVerify: Awaited<ReturnType<typeof startSiteVerify>>
    let adminToken: string
    let doctor: Actor
    const processes: Record<string, string> = {}
    /** Started at the beginning of the file and checked at its end, once its 30 s lifetime has passed. */
    let expiring: { process: AuthenticationProcess; code: string; started: number } | undefined

    const gateway = (path: string) => `/msggw/${SPEC}${path}`
    const lastEmail = async (email: string) => {
      const a = await call<{ subject: string }>(
        server.url,
        'GET',
        gateway(`/lastEmail/${encodeURIComponent(email)}`),
      )
      return a.status === 200 ? a.body : undefined
    }
    const lastSms = async (phone: string) => {
      const a = await call<{ message: string }>(
        server.url,
        'GET',
        gateway(`/lastSMS/${encodeURIComponent(phone)}`),
      )
      return a.status === 200 ? a.body : undefined
    }
    const codeIn = (text: string | undefined) => {
      const m = /\b(\d{6,12})\b/.exec(text ?? '')
      expect(m, text).not.toBeNull()
      return m![1]
    }
    const anonymous = (
      options: { email?: string; sms?: string; keys?: KeyPair<string>[]; spec?: string } = {
        email: processes.patientEmail,
        sms: processes.patientSms,
      },
    ): Promise<AnonymousMedTechApi> => {
      let builder = new AnonymousMedTechApiBuilder()
        .withICureBaseUrl(server.url)
        .withMsgGwSpecId(options.spec ?? SPEC)
        .withStorage(new MemoryStorage())
        .withCryptoStrategies(new SimpleMedTechCryptoStrategies(options.keys ?? []))
      if (options.email) builder = builder.withAuthProcessByEmailId(options.email)
      if (options.sms) builder = builder.withAuthProcessBySmsId(options.sms)
      return builder.build()
    }
    const createProcess = async (json: Record<string, unknown>) => {
      const a = await call<{ id: string }>(server.url, 'POST', '/rest/v1/msggw/authprocess', {
        token: adminToken,
        json,
      })
      expect(a.status, a.text).toBe(200)
      return a.body.id
    }

    beforeAll(async () => {
      siteVerify = await startSiteVerify()
      server = await startServer({
        databaseUrl: backend.databaseUrl,
        env: { CAIRN_DEV_OUTBOX: '1', CAIRN_RECAPTCHA_VERIFY_URL: siteVerify.url },
      })
      const admin = await call<{ token: string }>(server.url, 'POST', '/rest/v1/auth/login', {
        json: { username: server.adminLogin, password: server.adminPassword },
      })
      adminToken = admin.body.token
      for (const [specId, json] of [
        [SPEC, { name: 'Sign-up app', captcha: 'none' }],
        [CAPTCHA_SPEC, { name: 'Captcha app', captcha: 'recaptcha', captchaSecret: CAPTCHA_SECRET }],
      ] as const) {
        const a = await call(server.url, 'PUT', `/rest/v1/msggw/application/${specId}`, {
          token: adminToken,
          json,
        })
        expect(a.status, a.text).toBe(200)
      }
      doctor = await newHcp(server, 'responsible-doctor')
      processes.patientEmail = await createProcess({
        specId: SPEC,
        channel: 'email',
        kind: 'patient',
        responsibleHcpId: doctor.dataOwnerId,
      })
      processes.patientSms = await createProcess({ specId: SPEC, channel: 'sms', kind: 'patient' })
      processes.hcpEmail = await createProcess({
        specId: SPEC,
        channel: 'email',
        kind: 'healthcareProfessional',
        // Professional processes register nobody unless the admin opens them (docs/messaging.md).
        allowRegistration: true,
      })
      processes.loginOnly = await createProcess({
        specId: SPEC,
        channel: 'email',
        kind: 'patient',
        allowRegistration: false,
      })
      processes.shortLived = await createProcess({
        specId: SPEC,
        channel: 'email',
        kind: 'patient',
        codeLifetimeSeconds: 30,
      })
      processes.captcha = await createProcess({ specId: CAPTCHA_SPEC, channel: 'email', kind: 'patient' })

      // The expiry check runs last; its code starts its life now.
      const email = uniqueEmail('expiring')
      const api = await anonymous({ email: processes.shortLived })
      const process = await api.authenticationApi.startAuthentication('', email)
      expiring = { process, code: codeIn((await lastEmail(email))?.subject), started: Date.now() }
    })

    afterAll(async () => {
      await disposeServer(server)
      await new Promise((resolve) => siteVerify?.server.close(resolve))
    })

    it('signs a patient up by email: the code in the email logs it in, with a key pair made on its device', async () => {
      const email = uniqueEmail('jane')
      const api = await anonymous()
      const process = await api.authenticationApi.startAuthentication(
        '',
        email,
        undefined,
        'Jane',
        'Doe',
        doctor.dataOwnerId,
      )
      expect(process).toMatchObject({ login: email, bypassTokenCheck: false })
      expect(process.requestId).toMatch(/^[0-9a-f-]{36}$/)
      const mail = await lastEmail(email)
      const code = codeIn(mail?.subject)
      expect(code).toHaveLength(6)

      const result = await api.authenticationApi.completeAuthentication(process, code)
      expect(result.keyPairs).toHaveLength(1)
      expect(typeof result.groupId).toBe('string')
      const user = await result.medTechApi.userApi.getLoggedUser()
      expect(user).toMatchObject({ id: result.userId, email, login: email })
      const patient = await result.medTechApi.patientApi.getPatient(user.patientId!)
      expect(patient).toMatchObject({ firstName: 'Jane', lastName: 'Doe' })
      const sample = await result.medTechApi.dataSampleApi.createOrModifyDataSampleFor(
        patient.id!,
        new DataSample({ content: { en: new Content({ stringValue: 'Slept well' }) } }),
      )

      // The code is spent: completing again fails, and so does a login with it.
      expect((await rejection(api.authenticationApi.completeAuthentication(process, code))).message).toMatch(
        /^(400|401) - /,
      )
      const reuse = await call(server.url, 'POST', '/rest/v1/auth/login', {
        json: { username: email, password: code },
      })
      expect(reuse.status).toBe(401)

      // The long-lived token and key pairs of the result: what an app stores to come back later.
      const later = await medTechApi()
        .withICureBaseUrl(server.url)
        .withUserName(email)
        .withPassword(result.token)
        .withStorage(new MemoryStorage())
        .withCryptoStrategies(new SimpleMedTechCryptoStrategies(result.keyPairs))
        .build()
      expect((await later.dataSampleApi.getDataSample(sample.id!)).content?.en?.stringValue).toBe(
        'Slept well',
      )

      // Logging in again on a new device that was given the key pairs: a login code, no new key.
      const again = await anonymous({ email: processes.patientEmail, keys: result.keyPairs })
      const second = await again.authenticationApi.startAuthentication('', email)
      const login = await again.authenticationApi.completeAuthentication(
        second,
        codeIn((await lastEmail(email))?.subject),
      )
      expect(login.userId).toBe(result.userId)
      expect(login.keyPairs.map((k) => k.publicKey)).toEqual(result.keyPairs.map((k) => k.publicKey))
      expect((await login.medTechApi.dataSampleApi.getDataSample(sample.id!)).content?.en?.stringValue).toBe(
        'Slept well',
      )
    })

    it('signs a patient up by SMS', async () => {
      const phone = uniquePhone()
      const api = await anonymous()
      const process = await api.authenticationApi.startAuthentication('', undefined, phone, 'Sam', 'Smith')
      expect(process.login).toBe(phone)
      const sms = await lastSms(phone)
      const result = await api.authenticationApi.completeAuthentication(process, codeIn(sms?.message))
      const user = await result.medTechApi.userApi.getLoggedUser()
      expect(user.mobilePhone).toBe(phone)
      expect(user.patientId).toBeTruthy()
      expect(await result.medTechApi.patientApi.getPatient(user.patientId!)).toMatchObject({
        firstName: 'Sam',
      })
    })

    it('signs a healthcare professional up', async () => {
      const email = uniqueEmail('doc')
      const api = await anonymous({ email: processes.hcpEmail })
      const process = await api.authenticationApi.startAuthentication('', email, undefined, 'Greg', 'House')
      const result = await api.authenticationApi.completeAuthentication(
        process,
        codeIn((await lastEmail(email))?.subject),
      )
      const user = await result.medTechApi.userApi.getLoggedUser()
      expect(user.healthcarePartyId).toBeTruthy()
      const hcp = await result.medTechApi.healthcareProfessionalApi.getHealthcareProfessional(
        user.healthcarePartyId!,
      )
      expect(hcp).toMatchObject({ firstName: 'Greg', lastName: 'House' })
      expect(
        result.medTechApi.dataOwnerApi.getPublicKeysOf(
          await result.medTechApi.dataOwnerApi.getDataOwner(hcp.id!),
        ),
      ).toEqual([result.keyPairs[0].publicKey])
    })

    it('answers the same whether or not an account exists, and sends nothing to an unknown one when registration is off', async () => {
      const known = uniqueEmail('known')
      const api = await anonymous()
      const registered = await api.authenticationApi.startAuthentication('', known, undefined, 'K', 'Nown')
      await api.authenticationApi.completeAuthentication(
        registered,
        codeIn((await lastEmail(known))?.subject),
      )

      const unknown = uniqueEmail('unknown')
      const answers = []
      for (const email of [known, unknown]) {
        const a = await call(
          server.url,
          'POST',
          gateway(`/process/${processes.loginOnly}/${crypto.randomUUID()}`),
          {
            json: { from: email, email, firstName: '', lastName: '', hcpId: '' },
          },
        )
        answers.push({ status: a.status, keys: Object.keys(a.body as object) })
      }
      expect(answers[0]).toEqual(answers[1])
      expect(answers[0].status).toBe(200)
      expect(await lastEmail(unknown)).toBeUndefined()
      expect(codeIn((await lastEmail(known))?.subject)).toBeTruthy()
    })

    it('refuses wrong codes and kills the request after 5 of them, also for the right code', async () => {
      const email = uniqueEmail('brute')
      const api = await anonymous()
      const process = await api.authenticationApi.startAuthentication('', email, undefined, 'B', 'Rute')
      const code = codeIn((await lastEmail(email))?.subject)
      const wrong = code === '000000' ? '111111' : '000000'
      const first = await rejection(api.authenticationApi.completeAuthentication(process, wrong))
      expect(first.message).toMatch(/^400 - Invalid or expired validation code/)
      for (let i = 1; i < 5; i++) {
        const a = await call(server.url, 'GET', gateway(`/process/validate/${process.requestId}-${wrong}`))
        expectError(a, 400, 'BAD_REQUEST', 'Invalid or expired validation code')
      }
      const dead = await call(server.url, 'GET', gateway(`/process/validate/${process.requestId}-${code}`))
      expectError(dead, 400, 'BAD_REQUEST', 'Invalid or expired validation code')
      expect((await rejection(api.authenticationApi.completeAuthentication(process, code))).message).toMatch(
        /^400 - /,
      )
      // Nothing was registered.
      const login = await call(server.url, 'POST', '/rest/v1/auth/login', {
        json: { username: email, password: code },
      })
      expect(login.status).toBe(401)
    })

    it('limits the codes sent to one recipient', async () => {
      const email = uniqueEmail('flood')
      const api = await anonymous()
      const statuses: number[] = []
      for (let i = 0; i < 5; i++) {
        const a = await call(
          server.url,
          'POST',
          gateway(`/process/${processes.patientEmail}/${crypto.randomUUID()}`),
          {
            json: { from: email, email, firstName: 'F', lastName: 'L', hcpId: '' },
          },
        )
        statuses.push(a.status)
        if (a.status === 429) {
          expectError(a, 429, 'RATE_LIMITED')
          break
        }
      }
      expect(statuses).toContain(429)
      expect(statuses[0]).toBe(200)
      // The SDK reports it as a mapped HTTP error.
      expect((await rejection(api.authenticationApi.startAuthentication('', email))).message).toMatch(
        /^429 - /,
      )
    })

    it('checks the captcha of applications that require one', async () => {
      const email = uniqueEmail('captcha')
      const api = await anonymous({ email: processes.captcha, spec: CAPTCHA_SPEC })
      const before = siteVerify.calls
      expect(
        (await rejection(api.authenticationApi.startAuthentication('not-solved', email))).message,
      ).toMatch(/^400 - Captcha verification failed/)
      expect(siteVerify.calls).toBe(before + 1)
      const process = await api.authenticationApi.startAuthentication(
        GOOD_CAPTCHA,
        email,
        undefined,
        'C',
        'Aptcha',
      )
      const mail = await call<{ subject: string }>(
        server.url,
        'GET',
        `/msggw/${CAPTCHA_SPEC}/lastEmail/${encodeURIComponent(email)}`,
      )
      expect(mail.status).toBe(200)
      expect(process.login).toBe(email)
    })

    it('validates its input with the texts of medtech-api.md §5 and §1.3', async () => {
      const api = await anonymous()
      expect((await rejection(api.authenticationApi.startAuthentication(''))).message).toBe(START_ERROR)
      expect((await rejection(api.authenticationApi.startAuthentication('', '', ''))).message).toBe(
        START_ERROR,
      )
      expect((await rejection(api.authenticationApi.startAuthentication('', 'not-an-email'))).message).toBe(
        BAD_EMAIL,
      )
      expect(
        (await rejection(api.authenticationApi.startAuthentication('', undefined, '0470123456'))).message,
      ).toBe(BAD_PHONE)
      const smsOnly = await anonymous({ sms: processes.patientSms })
      expect(
        (await rejection(smsOnly.authenticationApi.startAuthentication('', 'a@example.org'))).message,
      ).toBe(MISSING_PROCESS)
      const emailOnly = await anonymous({ email: processes.patientEmail })
      expect(
        (await rejection(emailOnly.authenticationApi.startAuthentication('', undefined, '+32470000000')))
          .message,
      ).toBe(MISSING_PROCESS)

      const builder = () => new AnonymousMedTechApiBuilder().withICureBaseUrl(server.url)
      expect((await rejection(builder().withMsgGwSpecId(SPEC).build())).message).toBe(
        'At least one between authProcessIdBySms and authProcessByEmailId is required',
      )
      expect((await rejection(builder().withAuthProcessByEmailId('p').build())).message).toBe(
        'msgGtwSpecId is required',
      )
      expect(
        (await rejection(builder().withAuthProcessByEmailId('p').withMsgGwSpecId(SPEC).build())).message,
      ).toBe('cryptoStrategies is required')

      // An unknown process or application is a 404 from the gateway.
      const unknown = await anonymous({ email: 'no-such-process' })
      expect(
        (await rejection(unknown.authenticationApi.startAuthentication('', uniqueEmail('x')))).message,
      ).toMatch(/^404 - /)
      // A MedTechApi without process ids has no authenticationApi.
      expect(() => doctor.api.authenticationApi).toThrow(
        "authenticationApi couldn't be initialized. Make sure you provided the following arguments : msgGwUrl, msgGwSpecId, and at least one of authProcessByEmailId and authProcessBySMSId",
      )
      // Bad requests straight to the gateway: 400 with the API's error shape, never a 500.
      expectError(
        await call(server.url, 'POST', gateway(`/process/${processes.patientEmail}/not-a-uuid`), {
          json: { from: 'a@example.org' },
        }),
        400,
        'BAD_REQUEST',
      )
      expectError(await call(server.url, 'GET', gateway('/process/validate/short')), 400, 'BAD_REQUEST')
    })

    it('lets a code expire after the lifetime of its process', async () => {
      const { process, code, started } = expiring!
      const wait = started + 31_000 - Date.now()
      if (wait > 0) await new Promise((r) => setTimeout(r, wait))
      const api = await anonymous({ email: processes.shortLived })
      expect((await rejection(api.authenticationApi.completeAuthentication(process, code))).message).toMatch(
        /^400 - Invalid or expired validation code/,
      )
    }, 60_000)
  })
}
