import { execFile } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AnonymousMedTechApiBuilder, MemoryStorage, Patient, SimpleMedTechCryptoStrategies } from '@cairn/sdk'
import type { AuthApplicationDto, AuthProcessDto, DevOutboxMessageDto } from '@cairn/protocol'
import {
  SOURCE_NODE_ARGS,
  disposeServer,
  startServer,
  type ServerProcess,
} from '../support/server-process.ts'
import { login } from '../support/actors.ts'
import { call } from '../access/http.ts'

const run = promisify(execFile)
const ROOT = new URL('../..', import.meta.url).pathname
const SPEC = 'cli-app'
const CREDENTIALS = /use the following credentials : (\S+) & (\S+)$/

/**
 * The message-gateway commands of the `cairn` CLI against a real server whose development outbox
 * (CAIRN_DEV_OUTBOX=1) keeps what it sends: `auth-app put|list`, `auth-process create|list|delete`, and
 * `invite-hcp`, whose invitation a professional accepts with authenticateAndAskAccessToItsExistingData,
 * its key pair made on its own device.
 */
describe('cairn auth-app, auth-process and invite-hcp', () => {
  let server: ServerProcess
  /** Runs `cairn` from its sources as the admin of `server`. */
  const cairn = (args: string[]) =>
    run(process.execPath, [...SOURCE_NODE_ARGS, 'packages/cli/src/main.ts', ...args], {
      cwd: ROOT,
      env: {
        ...process.env,
        CAIRN_ADMIN_PASSWORD: server.adminPassword,
        CAIRN_ADMIN_LOGIN: server.adminLogin,
      },
    })
  /** What a failing `cairn` run printed, and its exit code (the test fails if it succeeds). */
  const failure = (args: string[]) =>
    cairn(args).then(
      (r) => {
        throw new Error(`cairn ${args.join(' ')} succeeded: ${r.stdout}`)
      },
      (e: { stderr: string; code: number }) => e,
    )

  beforeAll(async () => {
    server = await startServer({ env: { CAIRN_DEV_OUTBOX: '1' } })
  })
  afterAll(() => disposeServer(server))

  it('auth-app puts and lists applications, and refuses a captcha without its secret', async () => {
    const put = await cairn([
      'auth-app',
      'put',
      '--url',
      server.url,
      '--spec-id',
      SPEC,
      '--name',
      'Cairn Clinic',
      '--captcha',
      'none',
    ])
    expect(put.stdout).toMatch(/^Saved application cli-app \("Cairn Clinic", no captcha\)/)
    const json = await cairn([
      'auth-app',
      'put',
      '--url',
      server.url,
      '--spec-id',
      'captcha-app',
      '--name',
      'Captcha',
      '--captcha',
      'friendly-captcha',
      '--captcha-secret',
      'a-secret',
      '--captcha-site-key',
      'site-key',
      '--json',
    ])
    const saved = JSON.parse(json.stdout) as AuthApplicationDto
    expect(saved).toMatchObject({
      specId: 'captcha-app',
      captcha: 'friendly-captcha',
      hasCaptchaSecret: true,
    })
    expect(json.stdout).not.toContain('a-secret')

    const list = await cairn(['auth-app', 'list', '--url', server.url])
    expect(list.stdout).toMatch(/^cli-app {2}"Cairn Clinic", no captcha$/m)
    expect(list.stdout).toMatch(/^captcha-app {2}"Captcha", captcha friendly-captcha$/m)

    const noSecret = await failure([
      'auth-app',
      'put',
      '--url',
      server.url,
      '--spec-id',
      'x',
      '--name',
      'X',
      '--captcha',
      'recaptcha',
    ])
    expect(noSecret.code).toBe(1)
    expect(noSecret.stderr).toMatch(/--captcha recaptcha needs --captcha-secret/)
    const wrongPassword = await failure([
      'auth-app',
      'list',
      '--url',
      server.url,
      '--admin-password',
      'wrong',
    ])
    expect(wrongPassword.stderr).toMatch(/cairn: 401 - /)
  })

  it('auth-process creates, lists and deletes processes, with every setting', async () => {
    const template = join(server.dataDir, 'template.txt')
    await writeFile(template, 'Your {{appName}} code: {{code}} ({{minutes}} minutes)')
    const created = await cairn([
      'auth-process',
      'create',
      '--url',
      server.url,
      '--spec-id',
      SPEC,
      '--channel',
      'email',
      '--kind',
      'patient',
      '--id',
      'cli-patient-email',
      '--subject',
      'Your code',
      '--template-file',
      template,
      '--code-length',
      '8',
      '--code-lifetime',
      '300',
      '--max-attempts',
      '3',
    ])
    expect(created.stdout).toMatch(
      /^Created authentication process cli-patient-email \(application cli-app, email, patients, sign-up and login, 8 digits, valid 300 s, 3 attempts\)/,
    )
    const sms = JSON.parse(
      (
        await cairn([
          'auth-process',
          'create',
          '--url',
          server.url,
          '--spec-id',
          SPEC,
          '--channel',
          'sms',
          '--kind',
          'hcp',
          '--login-only',
          '--json',
        ])
      ).stdout,
    ) as AuthProcessDto
    expect(sms).toMatchObject({
      specId: SPEC,
      channel: 'sms',
      kind: 'healthcareProfessional',
      allowRegistration: false,
    })
    expect(sms.id).toMatch(/^[0-9a-f-]{36}$/)

    const listed = JSON.parse(
      (await cairn(['auth-process', 'list', '--url', server.url, '--spec-id', SPEC, '--json'])).stdout,
    ) as AuthProcessDto[]
    expect(listed.map((p) => p.id).sort()).toEqual(['cli-patient-email', sms.id].sort())
    expect(listed.find((p) => p.id === 'cli-patient-email')).toMatchObject({
      subject: 'Your code',
      template: 'Your {{appName}} code: {{code}} ({{minutes}} minutes)',
      codeLength: 8,
      codeLifetimeSeconds: 300,
      maxAttempts: 3,
    })

    expect((await cairn(['auth-process', 'delete', sms.id, '--url', server.url])).stdout).toMatch(
      new RegExp(`^Deleted authentication process ${sms.id}`),
    )
    expect((await cairn(['auth-process', 'list', '--url', server.url])).stdout).not.toContain(sms.id)

    // The process works: a code by email, in its template.
    const email = `cli-${Date.now()}@example.org`
    const anonymous = await new AnonymousMedTechApiBuilder()
      .withICureBaseUrl(server.url)
      .withMsgGwSpecId(SPEC)
      .withAuthProcessByEmailId('cli-patient-email')
      .withStorage(new MemoryStorage())
      .withCryptoStrategies(new SimpleMedTechCryptoStrategies([]))
      .build()
    await anonymous.authenticationApi.startAuthentication('', email, undefined, 'Clio', 'Line')
    const mail = await call<DevOutboxMessageDto>(
      server.url,
      'GET',
      `/msggw/${SPEC}/lastEmail/${encodeURIComponent(email)}`,
    )
    expect(mail.status, mail.text).toBe(200)
    expect(mail.body.subject).toBe('Your code')
    expect(mail.body.text ?? mail.body.html).toMatch(/^Your Cairn Clinic code: \d{8} \(5 minutes\)/)

    const bad = await failure([
      'auth-process',
      'create',
      '--url',
      server.url,
      '--spec-id',
      SPEC,
      '--channel',
      'fax',
      '--kind',
      'patient',
    ])
    expect(bad.stderr).toMatch(/--channel must be email or sms/)
    const missing = await failure(['auth-process', 'create', '--url', server.url, '--channel', 'email'])
    expect(missing.stderr).toMatch(/missing option\(s\): --spec-id, --kind/)
    const tooShort = await failure([
      'auth-process',
      'create',
      '--url',
      server.url,
      '--spec-id',
      SPEC,
      '--channel',
      'email',
      '--kind',
      'patient',
      '--code-length',
      '4',
    ])
    expect(tooShort.stderr).toMatch(/cairn: 400 - /)
  })

  it('invite-hcp invites a professional, who accepts on its own device; its key pair never exists on the CLI side', async () => {
    const email = `dr-${Date.now()}@example.org`
    const { stdout } = await cairn([
      'invite-hcp',
      '--url',
      server.url,
      '--email',
      email,
      '--first-name',
      'Lisa',
      '--last-name',
      'Cuddy',
      '--spec-id',
      SPEC,
      '--link',
      'https://clinic.example.org',
      '--validity',
      '3600',
      '--json',
    ])
    const invited = JSON.parse(stdout) as { healthcareProfessionalId: string; userId: string; login: string }
    expect(invited.login).toBe(email)

    const mail = await call<DevOutboxMessageDto>(
      server.url,
      'GET',
      `/msggw/${SPEC}/lastEmail/${encodeURIComponent(email)}`,
    )
    expect(mail.status, mail.text).toBe(200)
    expect(mail.body.subject).toBe('You have been invited to use Cairn Clinic')
    const body = (mail.body.text ?? mail.body.html ?? '').replace(/<[^>]+>/g, '').trim()
    expect(body).toMatch(
      /^Dear Lisa, you have been invited to use Cairn Clinic\. Go to the link https:\/\/clinic\.example\.org /,
    )
    const [, loginInMail, token] = CREDENTIALS.exec(body) ?? []
    expect(loginInMail).toBe(email)

    // The professional accepts on its own device.
    const result = await (
      await new AnonymousMedTechApiBuilder()
        .withICureBaseUrl(server.url)
        .withMsgGwSpecId(SPEC)
        .withAuthProcessByEmailId('cli-patient-email')
        .withStorage(new MemoryStorage())
        .withCryptoStrategies(new SimpleMedTechCryptoStrategies([]))
        .build()
    ).authenticationApi.authenticateAndAskAccessToItsExistingData(email, token)
    expect(result.userId).toBe(invited.userId)
    const api = result.medTechApi
    const hcp = await api.healthcareProfessionalApi.getHealthcareProfessional(
      invited.healthcareProfessionalId,
    )
    expect(hcp).toMatchObject({ firstName: 'Lisa', lastName: 'Cuddy' })
    expect(api.dataOwnerApi.getPublicKeysOf(await api.dataOwnerApi.getDataOwner(hcp.id!))).toEqual([
      result.keyPairs[0].publicKey,
    ])
    expect(server.output()).not.toContain(token)
    // It works as a professional, and comes back later with its token and key pair.
    const later = await login(server, email, result.token, result.keyPairs)
    const patient = await later.patientApi.createOrModifyPatient(
      new Patient({ firstName: 'A', lastName: 'B', note: 'n' }),
    )
    expect((await later.patientApi.getPatient(patient.id!)).note).toBe('n')

    // An unknown application: nothing is created.
    const unknown = await failure([
      'invite-hcp',
      '--url',
      server.url,
      '--email',
      `other-${Date.now()}@example.org`,
      '--first-name',
      'No',
      '--last-name',
      'App',
      '--spec-id',
      'no-such-app',
    ])
    expect(unknown.stderr).toMatch(/there is no application "no-such-app"/)
    const badEmail = await failure([
      'invite-hcp',
      '--url',
      server.url,
      '--email',
      'nope',
      '--first-name',
      'N',
      '--last-name',
      'O',
      '--spec-id',
      SPEC,
    ])
    expect(badEmail.stderr).toMatch(/Invalid email address/)
  })
})
