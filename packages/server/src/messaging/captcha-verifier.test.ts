import { createServer, type IncomingMessage, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AppError } from '../http/app-error.ts'
import { CAPTCHA_FAILED, CaptchaVerifier, type CaptchaSettings } from './captcha-verifier.ts'

const SECRET = 'site-secret'
const SOLVED = 'solved-captcha'
const SITE_KEY = 'site-key'

/** What the local provider received. */
interface Received {
  path: string
  contentType: string
  body: string
}

/**
 * A local server speaking both siteverify protocols: reCAPTCHA (form `secret`, `response`, `remoteip`)
 * at /recaptcha, Friendly Captcha v1 (JSON `solution`, `secret`, `sitekey`) at /friendly; /down answers
 * 502, /slow never answers, /refuse answers 401 (a wrong secret at Friendly Captcha).
 */
async function startProvider(): Promise<{ url: string; server: Server; received: Received[] }> {
  const received: Received[] = []
  const server = createServer((req: IncomingMessage, res) => {
    let body = ''
    req.on('data', (d: Buffer) => (body += d.toString()))
    req.on('end', () => {
      received.push({ path: req.url ?? '', contentType: req.headers['content-type'] ?? '', body })
      res.setHeader('content-type', 'application/json')
      if (req.url === '/slow') return
      if (req.url === '/down') {
        res.statusCode = 502
        return res.end('{"error":"bad gateway"}')
      }
      if (req.url === '/refuse') {
        res.statusCode = 401
        return res.end('{"success":false,"errors":["secret_invalid"]}')
      }
      let success = false
      if (req.url === '/recaptcha') {
        const form = new URLSearchParams(body)
        success =
          form.get('secret') === SECRET && form.get('response') === SOLVED && form.get('remoteip') !== null
      } else if (req.url === '/friendly') {
        const json = JSON.parse(body) as { solution?: string; secret?: string; sitekey?: string }
        success = json.secret === SECRET && json.solution === SOLVED && json.sitekey === SITE_KEY
      }
      res.end(
        JSON.stringify(
          success ? { success: true } : { success: false, 'error-codes': ['invalid-input-response'] },
        ),
      )
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return { url: `http://127.0.0.1:${port}`, server, received }
}

/** The AppError a verification rejects with. */
async function errorOf(promise: Promise<void>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(AppError)
  return error as AppError
}

describe('captcha verification against a local siteverify server', () => {
  let provider: Awaited<ReturnType<typeof startProvider>>
  const warnings: string[] = []
  const log = { warn: (_details: Record<string, unknown>, message: string) => void warnings.push(message) }
  const recaptcha: CaptchaSettings = { captcha: 'recaptcha', captchaSecret: SECRET, captchaSiteKey: null }
  const friendly: CaptchaSettings = {
    captcha: 'friendly-captcha',
    captchaSecret: SECRET,
    captchaSiteKey: SITE_KEY,
  }
  const verifier = (paths: { recaptcha?: string; friendly?: string } = {}, timeoutMs?: number) =>
    new CaptchaVerifier(
      {
        recaptcha: `${provider.url}${paths.recaptcha ?? '/recaptcha'}`,
        friendlyCaptcha: `${provider.url}${paths.friendly ?? '/friendly'}`,
      },
      log,
      timeoutMs,
    )

  beforeAll(async () => {
    provider = await startProvider()
  })
  afterAll(async () => {
    provider.server.closeAllConnections()
    await new Promise((resolve) => provider.server.close(resolve))
  })

  it('accepts a solved reCAPTCHA, posting the form with the secret, the response and the client address', async () => {
    const before = provider.received.length
    await verifier().verify(recaptcha, SOLVED, '203.0.113.7')
    const sent = provider.received[before]
    expect(sent.contentType).toBe('application/x-www-form-urlencoded')
    expect(Object.fromEntries(new URLSearchParams(sent.body))).toEqual({
      secret: SECRET,
      response: SOLVED,
      remoteip: '203.0.113.7',
    })
  })

  it('accepts a solved Friendly Captcha, posting JSON with the solution, the secret and the site key', async () => {
    const before = provider.received.length
    await verifier().verify(friendly, SOLVED, '203.0.113.7')
    const sent = provider.received[before]
    expect(sent.contentType).toBe('application/json')
    expect(JSON.parse(sent.body)).toEqual({ solution: SOLVED, secret: SECRET, sitekey: SITE_KEY })
  })

  it('refuses a captcha that does not verify with a 400, and a missing one without asking the provider', async () => {
    for (const settings of [recaptcha, friendly]) {
      const wrong = await errorOf(verifier().verify(settings, 'not-solved', '203.0.113.7'))
      expect(wrong).toMatchObject({ code: 'BAD_REQUEST', message: CAPTCHA_FAILED, status: 400 })
      const before = provider.received.length
      for (const missing of [undefined, ''])
        expect(await errorOf(verifier().verify(settings, missing, '203.0.113.7'))).toMatchObject({
          code: 'BAD_REQUEST',
          message: CAPTCHA_FAILED,
        })
      expect(provider.received.length).toBe(before)
    }
    const wrongSecret = await errorOf(
      verifier().verify({ ...recaptcha, captchaSecret: 'other' }, SOLVED, '::1'),
    )
    expect(wrongSecret.code).toBe('BAD_REQUEST')
  })

  it('answers 400 when the provider refuses the secret, and warns the operator', async () => {
    warnings.length = 0
    const refused = await errorOf(verifier({ friendly: '/refuse' }).verify(friendly, SOLVED, '::1'))
    expect(refused).toMatchObject({ code: 'BAD_REQUEST', message: CAPTCHA_FAILED })
    expect(warnings).toEqual(['captcha provider refused the secret'])
  })

  it('answers 503 when the provider fails, cannot be reached or does not answer in time', async () => {
    const down = await errorOf(verifier({ recaptcha: '/down' }).verify(recaptcha, SOLVED, '::1'))
    expect(down).toMatchObject({ code: 'UNAVAILABLE', status: 503 })
    expect(down.retryAfter).toBeGreaterThan(0)
    const unreachable = new CaptchaVerifier(
      { recaptcha: 'http://127.0.0.1:9/siteverify', friendlyCaptcha: 'x' },
      log,
    )
    expect((await errorOf(unreachable.verify(recaptcha, SOLVED, '::1'))).code).toBe('UNAVAILABLE')
    const slow = await errorOf(verifier({ friendly: '/slow' }, 200).verify(friendly, SOLVED, '::1'))
    expect(slow.code).toBe('UNAVAILABLE')
  })

  it('checks nothing for an application without captcha', async () => {
    const before = provider.received.length
    await verifier().verify({ captcha: 'none', captchaSecret: null, captchaSiteKey: null }, undefined, '::1')
    expect(provider.received.length).toBe(before)
  })
})
