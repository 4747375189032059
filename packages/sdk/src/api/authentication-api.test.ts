import { createServer, type IncomingMessage, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SimpleMedTechCryptoStrategies } from '../crypto/simple-medtech-crypto-strategies.ts'
import { SdkError } from '../http/sdk-error.ts'
import { MemoryStorage } from '../storage/memory-storage.ts'
import { AnonymousMedTechApiBuilder } from './anonymous-medtech-api-builder.ts'

const START_ERROR =
  'In order to start authentication of a user, you should at least provide its email OR its phone number'
const MISSING_PROCESS =
  'In order to start a user authentication with an email, you need to instantiate the API with a authProcessByEmailId. If you want to start the authentication with a phone number, then you need to instantiate the API with a authProcessBySmsId'
const BAD_EMAIL =
  'Invalid email address. Provided email must satisfy the format RFC5322 : local-part@domain.extension'
const BAD_PHONE = 'Invalid phone number. Provided mobile phone must satisfy the following format : +XXXXXXXXX'

/** What a promise rejects with (fails the test if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<SdkError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(SdkError)
  return error as SdkError
}

/** One request as the local HTTP server received it. */
interface Received {
  method: string
  url: string
  authorization?: string
  body: unknown
}

/**
 * A local HTTP server recording what the SDK sends to the message gateway (the wire contract of the
 * client side; the Cairn server's gateway is tested end to end in tests/auth-code).
 */
async function startRecorder(): Promise<{ server: Server; url: string; received: Received[] }> {
  const received: Received[] = []
  const server = createServer((req: IncomingMessage, res) => {
    let text = ''
    req.on('data', (d: Buffer) => (text += d.toString()))
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        authorization: req.headers.authorization,
        body: text ? JSON.parse(text) : undefined,
      })
      res.setHeader('content-type', 'application/json')
      if (req.url?.includes('/process/validate/'))
        res
          .writeHead(400)
          .end(
            JSON.stringify({ error: { code: 'BAD_REQUEST', message: 'Invalid or expired validation code' } }),
          )
      else res.end(JSON.stringify({ requestId: 'r' }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const address = server.address()
  return {
    server,
    url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    received,
  }
}

describe('AnonymousMedTechApiBuilder.build (MedTech §1.3)', () => {
  const builder = () => new AnonymousMedTechApiBuilder().withICureBaseUrl('http://127.0.0.1:1')

  it('rejects, in this order, without a process id, a spec id, crypto strategies', async () => {
    expect((await rejection(builder().build())).message).toBe(
      'At least one between authProcessIdBySms and authProcessByEmailId is required',
    )
    expect((await rejection(builder().withMsgGwSpecId('app').build())).message).toBe(
      'At least one between authProcessIdBySms and authProcessByEmailId is required',
    )
    expect((await rejection(builder().withAuthProcessBySmsId('p').build())).message).toBe(
      'msgGtwSpecId is required',
    )
    const noStrategies = await rejection(
      builder().withAuthProcessByEmailId('p').withMsgGwSpecId('app').build(),
    )
    expect(noStrategies.message).toBe('cryptoStrategies is required')
    expect(noStrategies).toMatchObject({ code: 'BAD_REQUEST', status: 0 })
  })

  it('builds without any request (nothing listens at the URL), with the server own gateway by default', async () => {
    const api = await builder()
      .withAuthProcessByEmailId('p')
      .withMsgGwSpecId('app')
      .withCryptoStrategies(new SimpleMedTechCryptoStrategies([]))
      .build()
    expect(api.msgGwUrl).toBe('http://127.0.0.1:1/msggw')
    expect(JSON.stringify(api)).toBe(
      '{"iCureBaseUrl":"http://127.0.0.1:1","msgGwUrl":"http://127.0.0.1:1/msggw","msgGwSpecId":"app"}',
    )
    expect(() => new AnonymousMedTechApiBuilder().withICureBaseUrl('ftp://x')).toThrow(/Invalid API URL/)
  })
})

describe('authenticationApi.startAuthentication (MedTech §5.2)', () => {
  let recorder: Awaited<ReturnType<typeof startRecorder>>
  beforeAll(async () => {
    recorder = await startRecorder()
  })
  afterAll(() => new Promise<void>((resolve) => recorder.server.close(() => resolve())))

  const anonymous = (processes: { email?: string; sms?: string }, msgGwUrl?: string) => {
    const b = new AnonymousMedTechApiBuilder()
      .withICureBaseUrl(recorder.url)
      .withMsgGwSpecId('app')
      .withStorage(new MemoryStorage())
      .withCryptoStrategies(new SimpleMedTechCryptoStrategies([]))
    if (processes.email) b.withAuthProcessByEmailId(processes.email)
    if (processes.sms) b.withAuthProcessBySmsId(processes.sms)
    if (msgGwUrl) b.withMsgGwUrl(msgGwUrl)
    return b.build()
  }

  it('refuses bad input with MedTech texts, before any request', async () => {
    const both = (await anonymous({ email: 'pe', sms: 'ps' })).authenticationApi
    const before = recorder.received.length
    expect((await rejection(both.startAuthentication(''))).message).toBe(START_ERROR)
    expect((await rejection(both.startAuthentication('', '', ''))).message).toBe(START_ERROR)
    expect((await rejection(both.startAuthentication('', 'not-an-email'))).message).toBe(BAD_EMAIL)
    expect((await rejection(both.startAuthentication('', undefined, '0470123456'))).message).toBe(BAD_PHONE)
    const smsOnly = (await anonymous({ sms: 'ps' })).authenticationApi
    expect((await rejection(smsOnly.startAuthentication('', 'a@example.org'))).message).toBe(MISSING_PROCESS)
    // A phone given along with an email needs the SMS process too (MedTech).
    const emailOnly = (await anonymous({ email: 'pe' })).authenticationApi
    expect((await rejection(emailOnly.startAuthentication('', undefined, '+32470000000'))).message).toBe(
      MISSING_PROCESS,
    )
    expect(
      (await rejection(emailOnly.startAuthentication('', 'a@example.org', '+32470000000'))).message,
    ).toBe(MISSING_PROCESS)
    expect(recorder.received.length).toBe(before)
  })

  it('sends the MedTech body to {msgGwUrl}/{specId}/process/{processId}/{requestId}, without credentials', async () => {
    const api = (await anonymous({ email: 'pe', sms: 'ps' })).authenticationApi
    const process = await api.startAuthentication(
      'captcha',
      'jane@example.org',
      undefined,
      'Jane',
      'Doe',
      'hcp-1',
      false,
      8,
    )
    expect(process).toMatchObject({ login: 'jane@example.org', bypassTokenCheck: false })
    expect(process.requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(recorder.received.at(-1)).toEqual({
      method: 'POST',
      url: `/msggw/app/process/pe/${process.requestId}?codeLength=8`,
      body: {
        'g-recaptcha-response': 'captcha',
        firstName: 'Jane',
        lastName: 'Doe',
        from: 'jane@example.org',
        email: 'jane@example.org',
        hcpId: 'hcp-1',
      },
    })

    // By phone, with a Friendly Captcha answer; an empty email counts as none.
    const sms = await api.startAuthentication(
      'fc',
      '',
      '+32470123456',
      undefined,
      undefined,
      undefined,
      true,
      undefined,
      'friendly-captcha',
    )
    expect(sms).toMatchObject({ login: '+32470123456', bypassTokenCheck: true })
    expect(recorder.received.at(-1)).toMatchObject({
      url: `/msggw/app/process/ps/${sms.requestId}`,
      body: {
        'friendly-captcha-response': 'fc',
        from: '+32470123456',
        mobilePhone: '+32470123456',
        email: '',
        firstName: '',
        lastName: '',
        hcpId: '',
      },
    })
    expect(recorder.received.at(-1)?.body).not.toHaveProperty('g-recaptcha-response')
  })

  it('uses the message gateway URL it is given, and maps its errors like every SDK call', async () => {
    const api = (await anonymous({ email: 'pe' }, `${recorder.url}/gateway/`)).authenticationApi
    const process = await api.startAuthentication('', 'jane@example.org')
    expect(recorder.received.at(-1)?.url).toBe(`/gateway/app/process/pe/${process.requestId}`)
    const error = await rejection(api.completeAuthentication(process, '123456'))
    expect(recorder.received.at(-1)).toMatchObject({
      method: 'GET',
      url: `/gateway/app/process/validate/${process.requestId}-123456`,
      authorization: undefined,
    })
    expect(error).toMatchObject({ code: 'BAD_REQUEST', status: 400 })
    expect(error.message).toMatch(/^400 - Invalid or expired validation code\nX-Request-Id: /)
  })
})
