import { randomBytes, randomUUID } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Patient, User } from '@cairn/sdk'
import { BACKENDS } from '../support/backends.ts'
import { disposeServer, startServer, type ServerProcess } from '../support/server-process.ts'
import { newHcp, type Actor } from '../support/actors.ts'
import { call, expectError, type Answer, type RequestOptions } from '../access/http.ts'

/**
 * The message-gateway routes and their administration through a real server (its own process, on
 * SQLite and PostgreSQL) whose development outbox (CAIRN_DEV_OUTBOX=1) keeps messages readable at
 * lastEmail / lastSMS: admin configuration and its 403s, codes (registration, login by code once,
 * wrong codes, same answer for unknown recipients, rate limits, captcha against a local siteverify
 * server), invitations (the token replaced by the server, single use) and sends to managed users. The
 * server trusts one proxy hop (CAIRN_TRUST_PROXY=1), so that each scenario comes from its own client
 * address (X-Forwarded-For) and per-address budgets do not mix scenarios.
 */

const SPEC = 'gateway-app'
const CAPTCHA_SPEC = 'gateway-captcha'
const FRIENDLY_SPEC = 'gateway-friendly'
const CAPTCHA_SECRET = 'captcha-secret-for-tests'
const SOLVED = 'solved-captcha'
const INVALID = 'Invalid or expired validation code'

let counter = 0
const uniqueEmail = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++counter}@example.org`
const uniquePhone = () => `+3248${String(Date.now()).slice(-6)}${String(++counter % 100).padStart(2, '0')}`
/** A fresh client address (TEST-NET-3): one per scenario. */
const newAddress = () => `203.0.113.${++counter % 250}`

/**
 * A local siteverify endpoint for both providers: reCAPTCHA at /recaptcha (form), Friendly Captcha at
 * /friendly (JSON); success only for the test secret and the solved captcha.
 */
async function startSiteVerify(): Promise<{ url: string; server: Server; calls: () => number }> {
  let calls = 0
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (d: Buffer) => (body += d.toString()))
    req.on('end', () => {
      calls++
      let success = false
      if (req.url === '/recaptcha') {
        const form = new URLSearchParams(body)
        success = form.get('secret') === CAPTCHA_SECRET && form.get('response') === SOLVED
      } else {
        const json = JSON.parse(body) as { solution?: string; secret?: string; sitekey?: string }
        success = json.secret === CAPTCHA_SECRET && json.solution === SOLVED && json.sitekey === 'site-key'
      }
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ success }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return { url: `http://127.0.0.1:${port}`, server, calls: () => calls }
}

for (const backend of BACKENDS) {
  describe.skipIf(!backend.enabled)(`message gateway routes (${backend.name})`, () => {
    let server: ServerProcess
    let siteVerify: Awaited<ReturnType<typeof startSiteVerify>>
    let adminToken: string
    let doctor: Actor
    let doctorToken: string
    let colleagueToken: string
    const processes: Record<string, string> = {}

    /** A call from client address `address` (through the trusted proxy). */
    const from = <T = unknown>(address: string, method: string, path: string, opts: RequestOptions = {}) =>
      call<T>(server.url, method, path, { ...opts, headers: { ...opts.headers, 'x-forwarded-for': address } })
    const gw = (specId = SPEC) => `/msggw/${specId}`
    const start = (
      address: string,
      processId: string,
      to: string,
      extra: Record<string, unknown> = {},
      requestId = randomUUID(),
      spec = SPEC,
    ) =>
      from<{ requestId: string }>(address, 'POST', `${gw(spec)}/process/${processId}/${requestId}`, {
        json: { from: to, email: to, firstName: '', lastName: '', hcpId: '', ...extra },
      })
    const validate = (address: string, requestId: string, code: string) =>
      from(address, 'GET', `${gw()}/process/validate/${requestId}-${code}`)
    const login = (username: string, password: string, address = newAddress()) =>
      from<{ token: string }>(address, 'POST', '/rest/v1/auth/login', { json: { username, password } })
    const lastEmail = async (email: string, spec = SPEC) => {
      const a = await call<{ subject: string; html: string; text?: string; from?: string }>(
        server.url,
        'GET',
        `${gw(spec)}/lastEmail/${encodeURIComponent(email)}`,
      )
      return a.status === 200 ? a.body : undefined
    }
    const codeIn = (text: string | undefined) => {
      const m = /\b(\d{6,12})\b/.exec(text ?? '')
      expect(m, text).not.toBeNull()
      return m![1]
    }
    const tokenOf = async (username: string, password: string) => {
      const a = await login(username, password)
      expect(a.status, a.text).toBe(200)
      return a.body.token
    }
    const createProcess = async (json: Record<string, unknown>) => {
      const a = await call<{ id: string }>(server.url, 'POST', '/rest/v1/msggw/authprocess', {
        token: adminToken,
        json,
      })
      expect(a.status, a.text).toBe(200)
      return a.body.id
    }
    /** A patient record of the doctor and a user for it without password (as createAndInviteUser makes it). */
    const invitedPatient = async (contact: { email?: string; mobilePhone?: string }) => {
      const record = await doctor.api.patientApi.createOrModifyPatient(
        new Patient({ firstName: 'In', lastName: 'Vited' }),
      )
      const user = await doctor.api.userApi.createOrModifyUser(
        new User({ login: contact.email ?? contact.mobilePhone, ...contact, patientId: record.id }),
      )
      return { record, user }
    }

    beforeAll(async () => {
      siteVerify = await startSiteVerify()
      server = await startServer({
        databaseUrl: backend.databaseUrl,
        env: {
          CAIRN_DEV_OUTBOX: '1',
          CAIRN_TRUST_PROXY: '1',
          CAIRN_RECAPTCHA_VERIFY_URL: `${siteVerify.url}/recaptcha`,
          CAIRN_FRIENDLY_CAPTCHA_VERIFY_URL: `${siteVerify.url}/friendly`,
        },
      })
      adminToken = await tokenOf(server.adminLogin, server.adminPassword)
      doctor = await newHcp(server, 'gateway-doctor')
      doctorToken = await tokenOf(doctor.login, doctor.password)
      const colleague = await newHcp(server, 'gateway-colleague')
      colleagueToken = await tokenOf(colleague.login, colleague.password)
      for (const [specId, json] of [
        [SPEC, { name: 'Gateway app', emailFrom: 'App@Example.org', captcha: 'none' }],
        [CAPTCHA_SPEC, { name: 'Captcha app', captcha: 'recaptcha', captchaSecret: CAPTCHA_SECRET }],
        [
          FRIENDLY_SPEC,
          {
            name: 'Friendly app',
            captcha: 'friendly-captcha',
            captchaSecret: CAPTCHA_SECRET,
            captchaSiteKey: 'site-key',
          },
        ],
      ] as const) {
        const a = await call(server.url, 'PUT', `/rest/v1/msggw/application/${specId}`, {
          token: adminToken,
          json,
        })
        expect(a.status, a.text).toBe(200)
      }
      processes.patient = await createProcess({
        specId: SPEC,
        channel: 'email',
        kind: 'patient',
        responsibleHcpId: doctor.dataOwnerId,
      })
      processes.hcp = await createProcess({
        specId: SPEC,
        channel: 'email',
        kind: 'healthcareProfessional',
        allowRegistration: true,
      })
      processes.sms = await createProcess({
        specId: SPEC,
        channel: 'sms',
        kind: 'patient',
        template: 'Code {{code}} for {{appName}}',
      })
      processes.loginOnly = await createProcess({
        specId: SPEC,
        channel: 'email',
        kind: 'patient',
        allowRegistration: false,
      })
      processes.captcha = await createProcess({ specId: CAPTCHA_SPEC, channel: 'email', kind: 'patient' })
      processes.friendly = await createProcess({ specId: FRIENDLY_SPEC, channel: 'email', kind: 'patient' })
    })

    afterAll(async () => {
      await disposeServer(server)
      await new Promise((resolve) => siteVerify?.server.close(resolve))
    })

    it('configures applications and processes for admins only, never returning the captcha secret', async () => {
      const apps = await call<{ specId: string; hasCaptchaSecret: boolean; emailFrom?: string }[]>(
        server.url,
        'GET',
        '/rest/v1/msggw/application',
        { token: adminToken },
      )
      expect(apps.status).toBe(200)
      expect(apps.text).not.toContain(CAPTCHA_SECRET)
      expect(apps.body.find((a) => a.specId === CAPTCHA_SPEC)).toMatchObject({
        hasCaptchaSecret: true,
        captcha: 'recaptcha',
      })
      expect(apps.body.find((a) => a.specId === SPEC)).toMatchObject({
        hasCaptchaSecret: false,
        emailFrom: 'app@example.org',
      })

      const listed = await call<{ id: string; subject: string; template: string; codeLength: number }[]>(
        server.url,
        'GET',
        `/rest/v1/msggw/authprocess?specId=${SPEC}`,
        { token: adminToken },
      )
      expect(listed.body.map((p) => p.id)).toEqual(
        expect.arrayContaining([processes.patient, processes.hcp, processes.sms, processes.loginOnly]),
      )
      expect(listed.body.find((p) => p.id === processes.patient)).toMatchObject({
        specId: SPEC,
        responsibleHcpId: doctor.dataOwnerId,
        allowRegistration: true,
        codeLength: 6,
        codeLifetimeSeconds: 600,
        maxAttempts: 5,
        subject: '{{code}} is your {{appName}} code',
      })

      // Bad configurations: a captcha without its secret, a template without the code, an unknown
      // application or responsible professional, a taken id.
      expectError(
        await call(server.url, 'PUT', '/rest/v1/msggw/application/no-secret', {
          token: adminToken,
          json: { name: 'x', captcha: 'recaptcha' },
        }),
        400,
        'BAD_REQUEST',
        /captchaSecret is required/,
      )
      const bad = (json: Record<string, unknown>) =>
        call(server.url, 'POST', '/rest/v1/msggw/authprocess', { token: adminToken, json })
      expectError(
        await bad({ specId: SPEC, channel: 'email', kind: 'patient', template: 'no code' }),
        400,
        'BAD_REQUEST',
        /\{\{code\}\}/,
      )
      expectError(await bad({ specId: 'no-such-app', channel: 'email', kind: 'patient' }), 404, 'NOT_FOUND')
      expectError(
        await bad({ specId: SPEC, channel: 'email', kind: 'patient', responsibleHcpId: randomUUID() }),
        400,
        'BAD_REQUEST',
      )
      expectError(
        await bad({ specId: SPEC, channel: 'email', kind: 'patient', id: processes.patient }),
        409,
        'CONFLICT',
      )

      // Deleting a process: its codes stop working.
      const doomed = await createProcess({
        specId: SPEC,
        channel: 'email',
        kind: 'patient',
        id: `doomed-${counter}`,
      })
      const address = newAddress()
      const email = uniqueEmail('doomed')
      const started = await start(address, doomed, email)
      const code = codeIn((await lastEmail(email))?.subject)
      const deleted = await call(server.url, 'DELETE', `/rest/v1/msggw/authprocess/${doomed}`, {
        token: adminToken,
      })
      expect(deleted.status, deleted.text).toBe(200)
      expectError(await validate(address, started.body.requestId, code), 400, 'BAD_REQUEST', INVALID)
      expectError(
        await call(server.url, 'DELETE', `/rest/v1/msggw/authprocess/${doomed}`, { token: adminToken }),
        404,
        'NOT_FOUND',
      )

      // Everything of the administration is the admins' only.
      for (const token of [doctorToken, undefined]) {
        const answers: Answer[] = [
          await call(server.url, 'PUT', `/rest/v1/msggw/application/${SPEC}`, {
            token,
            json: { name: 'x', captcha: 'none' },
          }),
          await call(server.url, 'GET', '/rest/v1/msggw/application', { token }),
          await call(server.url, 'POST', '/rest/v1/msggw/authprocess', {
            token,
            json: { specId: SPEC, channel: 'email', kind: 'patient' },
          }),
          await call(server.url, 'GET', '/rest/v1/msggw/authprocess', { token }),
          await call(server.url, 'DELETE', `/rest/v1/msggw/authprocess/${processes.patient}`, { token }),
          await call(server.url, 'GET', '/rest/v1/msggw/outbox', { token }),
        ]
        for (const a of answers)
          if (token) expectError(a, 403, 'FORBIDDEN', 'Only admins configure the message gateway')
          else expectError(a, 401, 'UNAUTHORIZED')
      }
      const outbox = await call<{ status: string; to: string }[]>(
        server.url,
        'GET',
        '/rest/v1/msggw/outbox?limit=5',
        { token: adminToken },
      )
      expect(outbox.status, outbox.text).toBe(200)
      expect(outbox.body.length).toBeGreaterThan(0)
      expect(outbox.text).not.toContain(code)
    })

    it('registers a patient by a code read at lastEmail; the code then logs in once, with a full session', async () => {
      const address = newAddress()
      const email = uniqueEmail('Jane')
      const started = await start(address, processes.patient, email, { firstName: 'Jane', lastName: 'Doe' })
      expect(started.status, started.text).toBe(200)
      const mail = await lastEmail(email)
      expect(mail).toMatchObject({ from: 'app@example.org' })
      expect(mail!.subject).toMatch(/^\d{6} is your Gateway app code$/)
      const code = codeIn(mail!.subject)
      expect(mail!.html).toContain(code)

      // Not validated yet: the code does not log in.
      expect((await login(email, code)).status).toBe(401)
      expect(await validate(address, started.body.requestId, code)).toMatchObject({
        status: 200,
        body: { valid: true },
      })
      const first = await login(email.toUpperCase(), code)
      expect(first.status, first.text).toBe(200)
      expect((await login(email, code)).status).toBe(401)

      const token = first.body.token
      const me = await call<{ id: string; login: string; email: string; patientId: string }>(
        server.url,
        'GET',
        '/rest/v1/user/current',
        { token },
      )
      expect(me.body).toMatchObject({ login: email.toLowerCase(), email: email.toLowerCase() })
      const owner = await call<{ type: string; dataOwner: Record<string, unknown> }>(
        server.url,
        'GET',
        '/rest/v1/dataowner/current',
        { token },
      )
      expect(owner.body).toMatchObject({
        type: 'Patient',
        dataOwner: {
          id: me.body.patientId,
          firstName: 'Jane',
          lastName: 'Doe',
          responsible: doctor.dataOwnerId,
        },
      })
      // A full session: it mints a long-lived token (what completeAuthentication does next).
      const minted = await call(server.url, 'POST', `/rest/v1/user/${me.body.id}/token`, {
        token,
        json: { validity: 315360000 },
      })
      expect(minted.status, minted.text).toBe(200)
      // The responsible professional manages the new user.
      expect(
        (await call(server.url, 'GET', `/rest/v1/user/${me.body.id}/token`, { token: doctorToken })).status,
      ).toBe(200)
    })

    it('registers a healthcare professional, and a patient by SMS', async () => {
      const address = newAddress()
      const email = uniqueEmail('doc')
      const started = await start(address, processes.hcp, email, { firstName: 'Greg', lastName: 'House' })
      expect(
        (await validate(address, started.body.requestId, codeIn((await lastEmail(email))?.subject))).status,
      ).toBe(200)
      const token = await tokenOf(email, codeIn((await lastEmail(email))?.subject))
      const owner = await call<{ type: string; dataOwner: Record<string, unknown> }>(
        server.url,
        'GET',
        '/rest/v1/dataowner/current',
        { token },
      )
      expect(owner.body).toMatchObject({
        type: 'HealthcareProfessional',
        dataOwner: { firstName: 'Greg', lastName: 'House' },
      })

      const phone = uniquePhone()
      const sms = await from<{ requestId: string }>(
        address,
        'POST',
        `${gw()}/process/${processes.sms}/${randomUUID()}?codeLength=9`,
        {
          json: { from: phone, mobilePhone: phone, firstName: 'Sam' },
        },
      )
      expect(sms.status, sms.text).toBe(200)
      const message = await call<{ message: string }>(
        server.url,
        'GET',
        `${gw()}/lastSMS/${encodeURIComponent(phone)}`,
      )
      expect(message.body.message).toMatch(/^Code \d{9} for Gateway app$/)
      const code = codeIn(message.body.message)
      expect((await validate(address, sms.body.requestId, code)).status).toBe(200)
      const smsToken = await tokenOf(phone, code)
      const me = await call<{ mobilePhone: string; patientId: string; login: string }>(
        server.url,
        'GET',
        '/rest/v1/user/current',
        { token: smsToken },
      )
      expect(me.body).toMatchObject({ mobilePhone: phone, login: phone })
      expect(me.body.patientId).toBeTruthy()
    })

    it('kills a request after 5 wrong codes, also for the right one; wrong codes at login count too', async () => {
      const address = newAddress()
      const email = uniqueEmail('brute')
      const started = await start(address, processes.patient, email)
      const code = codeIn((await lastEmail(email))?.subject)
      const wrong = code === '000000' ? '111111' : '000000'
      for (let i = 0; i < 5; i++)
        expectError(await validate(address, started.body.requestId, wrong), 400, 'BAD_REQUEST', INVALID)
      expectError(await validate(address, started.body.requestId, code), 400, 'BAD_REQUEST', INVALID)
      expect((await login(email, code)).status).toBe(401)

      // A validated code loses its attempts to wrong logins as well.
      const other = uniqueEmail('login-brute')
      const again = await start(address, processes.patient, other)
      const good = codeIn((await lastEmail(other))?.subject)
      expect((await validate(address, again.body.requestId, good)).status).toBe(200)
      const bad = good === '000000' ? '111111' : '000000'
      for (let i = 0; i < 5; i++) expect((await login(other, bad)).status).toBe(401)
      expect((await login(other, good)).status).toBe(401)
      // Malformed validations are refused the same way, never a 500.
      expectError(
        await from(address, 'GET', `${gw()}/process/validate/${'x'.repeat(40)}`),
        400,
        'BAD_REQUEST',
        INVALID,
      )
      expectError(await validate(address, randomUUID(), '123456'), 400, 'BAD_REQUEST', INVALID)
    })

    it('answers the same for known and unknown recipients, and sends nothing to an unknown one of a login-only process', async () => {
      const address = newAddress()
      const known = uniqueEmail('known')
      const registering = await start(address, processes.patient, known)
      await validate(address, registering.body.requestId, codeIn((await lastEmail(known))?.subject))
      const before = (await lastEmail(known))!.subject

      const unknown = uniqueEmail('unknown')
      const answers = []
      for (const email of [known, unknown]) {
        const requestId = randomUUID()
        const a = await start(address, processes.loginOnly, email, {}, requestId)
        answers.push({ status: a.status, body: a.body, type: a.contentType })
        expect(a.body).toEqual({ requestId })
        // A reused request id is a 409, for both.
        expectError(await start(address, processes.loginOnly, email, {}, requestId), 409, 'CONFLICT')
      }
      expect(answers[0].status).toBe(answers[1].status)
      expect(answers[0].type).toBe(answers[1].type)
      expect(await lastEmail(unknown)).toBeUndefined()
      expect((await lastEmail(known))!.subject).not.toBe(before)
    })

    it('limits the starts per recipient (429 with Retry-After) before sending anything', async () => {
      const email = uniqueEmail('flood')
      const statuses: number[] = []
      let refused: Answer | undefined
      for (let i = 0; i < 5 && !refused; i++) {
        const a = await start(newAddress(), processes.patient, email)
        statuses.push(a.status)
        if (a.status === 429) refused = a
      }
      expect(statuses).toEqual([200, 200, 200, 429])
      expectError(refused!, 429, 'RATE_LIMITED')
      const retry = await fetch(`${server.url}${gw()}/process/${processes.patient}/${randomUUID()}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': newAddress() },
        body: JSON.stringify({ from: email }),
      })
      expect(retry.status).toBe(429)
      expect(Number(retry.headers.get('retry-after'))).toBeGreaterThan(0)
      await retry.body?.cancel()

      // Per client address too: one address, many recipients.
      const address = newAddress()
      const perAddress: number[] = []
      for (let i = 0; i < 25; i++) {
        const a = await start(address, processes.loginOnly, uniqueEmail('spread'))
        perAddress.push(a.status)
        if (a.status === 429) break
      }
      expect(perAddress.at(-1)).toBe(429)
      expect(perAddress.filter((s) => s === 200)).toHaveLength(21)
    })

    it('checks the captcha of applications that require one (reCAPTCHA and Friendly Captcha)', async () => {
      const address = newAddress()
      const email = uniqueEmail('captcha')
      const calls = siteVerify.calls()
      expectError(
        await start(address, processes.captcha, email, {}, randomUUID(), CAPTCHA_SPEC),
        400,
        'BAD_REQUEST',
        'Captcha verification failed',
      )
      expect(siteVerify.calls()).toBe(calls)
      expectError(
        await start(
          address,
          processes.captcha,
          email,
          { 'g-recaptcha-response': 'wrong' },
          randomUUID(),
          CAPTCHA_SPEC,
        ),
        400,
        'BAD_REQUEST',
        'Captcha verification failed',
      )
      expect(siteVerify.calls()).toBe(calls + 1)
      expect(await lastEmail(email, CAPTCHA_SPEC)).toBeUndefined()
      const ok = await start(
        address,
        processes.captcha,
        email,
        { 'g-recaptcha-response': SOLVED },
        randomUUID(),
        CAPTCHA_SPEC,
      )
      expect(ok.status, ok.text).toBe(200)
      expect(await lastEmail(email, CAPTCHA_SPEC)).toBeDefined()

      const friendly = uniqueEmail('friendly')
      expectError(
        await start(
          address,
          processes.friendly,
          friendly,
          { 'g-recaptcha-response': SOLVED },
          randomUUID(),
          FRIENDLY_SPEC,
        ),
        400,
        'BAD_REQUEST',
        'Captcha verification failed',
      )
      const good = await start(
        address,
        processes.friendly,
        friendly,
        { 'friendly-captcha-response': SOLVED },
        randomUUID(),
        FRIENDLY_SPEC,
      )
      expect(good.status, good.text).toBe(200)
      // A process is reached through its own application only.
      expectError(await start(address, processes.captcha, email, {}, randomUUID(), SPEC), 404, 'NOT_FOUND')
    })

    it('invites a patient: the token replaces the placeholder in the message, and logs in once with a full session', async () => {
      const email = uniqueEmail('invited')
      const { user } = await invitedPatient({ email })
      const placeholder = randomBytes(24).toString('base64url')
      const invite = (json: Record<string, unknown>, token = doctorToken) =>
        call<{ messageId: string; channel: string }>(server.url, 'POST', `${gw()}/invite/${user.id}`, {
          token,
          json,
        })
      const message = {
        email: {
          from: 'Dr.House@example.org',
          subject: 'You are invited',
          html: `<p>Log in with ${email} &amp; ${placeholder}</p>`,
        },
        tokenValidity: 3600,
        tokenPlaceholder: placeholder,
      }

      // What an invitation must be.
      expectError(
        await invite({ ...message, email: { ...message.email, html: 'no token here' } }),
        400,
        'BAD_REQUEST',
        'The invitation message does not contain the token it was given',
      )
      expectError(await invite({ ...message, sms: { message: placeholder } }), 400, 'BAD_REQUEST')
      expectError(await invite({ tokenValidity: 3600, tokenPlaceholder: placeholder }), 400, 'BAD_REQUEST')
      expectError(
        await invite({ tokenValidity: 3600, tokenPlaceholder: placeholder, sms: { message: placeholder } }),
        400,
        'BAD_REQUEST',
        /no mobile phone/,
      )
      expectError(await invite(message, colleagueToken), 403, 'FORBIDDEN')
      expectError(
        await call(server.url, 'POST', `${gw()}/invite/${randomUUID()}`, {
          token: doctorToken,
          json: message,
        }),
        404,
        'NOT_FOUND',
      )
      expectError(
        await call(server.url, 'POST', `${gw('no-such-app')}/invite/${user.id}`, {
          token: doctorToken,
          json: message,
        }),
        404,
        'NOT_FOUND',
      )

      const first = await invite(message)
      expect(first.status, first.text).toBe(200)
      expect(first.body.channel).toBe('email')
      const second = await invite(message)
      expect(second.status, second.text).toBe(200)
      const mail = (await lastEmail(email))!
      // A professional does not choose the sender: the application's address replaces the factory's.
      expect(mail.from).toBe('app@example.org')
      expect(mail.html).not.toContain(placeholder)
      const token = /&amp; (\S+)<\/p>/.exec(mail.html)![1]
      expect(token).toMatch(/^[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/)
      expect(first.text + second.text).not.toContain(token)

      const logged = await login(email, token)
      expect(logged.status, logged.text).toBe(200)
      expect((await login(email, token)).status).toBe(401)
      // A full session: the invitee mints its long-lived token, and its spent invitation is gone.
      const own = await call<{ tokenId: string }[]>(server.url, 'GET', `/rest/v1/user/${user.id}/token`, {
        token: logged.body.token,
      })
      expect(own.body).toEqual([])
      const minted = await call<{ token: string }>(server.url, 'POST', `/rest/v1/user/${user.id}/token`, {
        token: logged.body.token,
        json: { validity: 315360000 },
      })
      expect(minted.status, minted.text).toBe(200)
      const me = await call<{ authenticationTokens: Record<string, unknown> }>(
        server.url,
        'GET',
        '/rest/v1/user/current',
        {
          token: logged.body.token,
        },
      )
      expect(Object.keys(me.body.authenticationTokens)).toHaveLength(1)

      // A user with a password is sent a login link instead.
      const withPassword = await doctor.api.userApi.createOrModifyUser(
        new User({ login: uniqueEmail('pw'), email: uniqueEmail('pw'), passwordHash: 'a-password-123' }),
      )
      expectError(
        await call(server.url, 'POST', `${gw()}/invite/${withPassword.id}`, {
          token: doctorToken,
          json: message,
        }),
        409,
        'CONFLICT',
        `User ${withPassword.id} already has a password: send a login link instead`,
      )
    })

    it('invites by SMS, and revokes the previous invitation when inviting again', async () => {
      const phone = uniquePhone()
      const { user } = await invitedPatient({ mobilePhone: phone })
      const placeholder = randomBytes(30).toString('base64url')
      const invite = () =>
        call(server.url, 'POST', `${gw()}/invite/${user.id}`, {
          token: doctorToken,
          json: {
            sms: { message: `Your token: ${placeholder}` },
            tokenValidity: 600,
            tokenPlaceholder: placeholder,
          },
        })
      expect((await invite()).status).toBe(200)
      const sms = async () =>
        (
          await call<{ message: string }>(server.url, 'GET', `${gw()}/lastSMS/${encodeURIComponent(phone)}`)
        ).body.message.slice('Your token: '.length)
      const old = await sms()
      expect((await invite()).status).toBe(200)
      const current = await sms()
      expect(current).not.toBe(old)
      expect((await login(phone, old)).status).toBe(401)
      expect((await login(phone, current)).status).toBe(200)
    })

    it('sends emails and SMS to the users a professional manages only (admins: to anyone), and keeps lastEmail/lastSMS', async () => {
      const email = uniqueEmail('managed')
      const phone = uniquePhone()
      await invitedPatient({ email })
      await invitedPatient({ mobilePhone: phone })
      const sendEmail = (to: string, token: string) =>
        call<{ messageId: string; channel: string }>(
          server.url,
          'POST',
          `${gw()}/email/to/${encodeURIComponent(to)}`,
          {
            token,
            json: { subject: 'Your appointment', html: '<p>Tomorrow at 9</p>' },
          },
        )
      const sent = await sendEmail(email.toUpperCase(), doctorToken)
      expect(sent.status, sent.text).toBe(200)
      expect(sent.body).toMatchObject({ channel: 'email', messageId: expect.any(String) as unknown })
      expect(await lastEmail(email)).toMatchObject({
        subject: 'Your appointment',
        html: '<p>Tomorrow at 9</p>',
        from: 'app@example.org',
      })
      expectError(await sendEmail(email, colleagueToken), 403, 'FORBIDDEN')
      expectError(await sendEmail(uniqueEmail('stranger'), doctorToken), 403, 'FORBIDDEN')
      expect((await sendEmail(uniqueEmail('anyone'), adminToken)).status).toBe(200)
      expectError(await sendEmail('not-an-email', adminToken), 400, 'BAD_REQUEST')
      expectError(
        await call(server.url, 'POST', `${gw('no-such-app')}/email/to/${email}`, {
          token: adminToken,
          json: { subject: 's', html: 'h' },
        }),
        404,
        'NOT_FOUND',
      )

      const sendSms = (token: string) =>
        call(server.url, 'POST', `${gw()}/sms/to/${encodeURIComponent(phone)}`, {
          token,
          json: { message: 'See you tomorrow' },
        })
      expect((await sendSms(doctorToken)).status).toBe(200)
      expect(
        (await call<{ message: string }>(server.url, 'GET', `${gw()}/lastSMS/${encodeURIComponent(phone)}`))
          .body.message,
      ).toBe('See you tomorrow')
      expectError(await sendSms(colleagueToken), 403, 'FORBIDDEN')
      expectError(
        await call(server.url, 'GET', `${gw()}/lastEmail/${uniqueEmail('nobody')}`),
        404,
        'NOT_FOUND',
      )
    })
  })

  describe.skipIf(!backend.enabled)(
    `message gateway without transport nor development outbox (${backend.name})`,
    () => {
      let server: ServerProcess
      let adminToken: string

      beforeAll(async () => {
        server = await startServer({ databaseUrl: backend.databaseUrl })
        const a = await call<{ token: string }>(server.url, 'POST', '/rest/v1/auth/login', {
          json: { username: server.adminLogin, password: server.adminPassword },
        })
        adminToken = a.body.token
      })
      afterAll(() => disposeServer(server))

      it('answers 503 naming the missing transport, and 404 at lastEmail / lastSMS', async () => {
        await call(server.url, 'PUT', `/rest/v1/msggw/application/${SPEC}`, {
          token: adminToken,
          json: { name: 'x', captcha: 'none' },
        })
        const process = await call<{ id: string }>(server.url, 'POST', '/rest/v1/msggw/authprocess', {
          token: adminToken,
          json: { specId: SPEC, channel: 'email', kind: 'patient' },
        })
        const email = uniqueEmail('nowhere')
        expectError(
          await call(server.url, 'POST', `/msggw/${SPEC}/process/${process.body.id}/${randomUUID()}`, {
            json: { from: email },
          }),
          503,
          'UNAVAILABLE',
          /CAIRN_SMTP_URL/,
        )
        expectError(
          await call(server.url, 'POST', `/msggw/${SPEC}/email/to/${email}`, {
            token: adminToken,
            json: { subject: 's', html: 'h' },
          }),
          503,
          'UNAVAILABLE',
        )
        expectError(
          await call(server.url, 'GET', `/msggw/${SPEC}/lastEmail/${email}`),
          404,
          'NOT_FOUND',
          /CAIRN_DEV_OUTBOX/,
        )
        expectError(await call(server.url, 'GET', `/msggw/${SPEC}/lastSMS/%2B32470000000`), 404, 'NOT_FOUND')
      })
    },
  )
}
