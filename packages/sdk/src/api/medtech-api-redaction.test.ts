import { beforeAll, describe, expect, it } from 'vitest'
import { Console } from 'node:console'
import { PassThrough } from 'node:stream'
import { inspect } from 'node:util'
import { generateKeyPairHex, importKeyPair, type KeyPairHex } from '@cairn/crypto'
import { HttpClient } from '../http/http-client.ts'
import { DataOwnerKeys } from '../crypto/data-owner-keys.ts'
import { SimpleMedTechCryptoStrategies } from '../crypto/simple-medtech-crypto-strategies.ts'
import { keyPairToJwk } from '../crypto/key-format.ts'
import { User } from '../models/index.ts'
import { KeyStorageImpl } from '../storage/key-storage-impl.ts'
import { MemoryStorage } from '../storage/memory-storage.ts'
import type { ApiContext } from './api-context.ts'
import { MedTechApi, type MedTechApiSettings } from './medtech-api.ts'
import { medTechApi } from './medtech-api-builder.ts'

const BASE_URL = 'http://127.0.0.1:1'
const USERNAME = 'doctor@example.org'
const PASSWORD = 'pw-SECRET-5f1c9a'
const TOKEN = 'access-SECRET-7d2e'
const REFRESH = 'refresh-SECRET-0b3f'
const SELF = '6f9619ff-8b86-4011-b42d-00c04fc964ff'

/** What console.log prints for `value` (Node formats it with util.inspect). */
function logged(value: unknown): string {
  const out = new PassThrough()
  let text = ''
  out.on('data', (c: Buffer) => (text += c.toString()))
  new Console({ stdout: out, stderr: out }).log(value)
  return text
}

let pair: KeyPairHex
let http: HttpClient
let api: MedTechApi

beforeAll(async () => {
  pair = await generateKeyPairHex()
  // A logged-in client (the server is a stub answering the login), holding real tokens.
  const fetchStub = (() =>
    Promise.resolve(
      new Response(JSON.stringify({ token: TOKEN, refreshToken: REFRESH, userId: 'u1', expiresIn: 3600 }), {
        status: 200,
        headers: { 'content-type': 'application/json' },
      }),
    )) as typeof fetch
  http = new HttpClient(BASE_URL, { username: USERNAME, password: PASSWORD }, fetchStub)
  await http.login()
  const keyStorage = new KeyStorageImpl(new MemoryStorage())
  await keyStorage.storeKeyPair('k', await keyPairToJwk(pair))
  const settings: MedTechApiSettings = {
    baseUrl: BASE_URL,
    username: USERNAME,
    password: PASSWORD,
    storage: new MemoryStorage(),
    keyStorage,
    cryptoStrategies: new SimpleMedTechCryptoStrategies([pair]),
  }
  const ctx = {
    http,
    user: new User({ id: 'u1', login: USERNAME, healthcarePartyId: SELF }),
    selfId: SELF,
    dataOwnerKeys: new DataOwnerKeys(http),
    ownKeys: [await importKeyPair(pair)],
    reportIntegrity: () => undefined,
  } as unknown as ApiContext
  api = new MedTechApi(ctx, settings)
})

/** Every way a developer prints an object: none may show a secret. */
function renderings(value: unknown): string[] {
  return [
    inspect(value),
    inspect(value, { depth: Infinity, showHidden: true, getters: true }),
    inspect({ nested: { value } }, { depth: Infinity }),
    logged(value),
    JSON.stringify(value),
    JSON.stringify({ nested: value }),
  ]
}

function expectNoSecret(text: string): void {
  for (const secret of [PASSWORD, TOKEN, REFRESH, pair.privateKey.slice(200, 260)])
    expect(text).not.toContain(secret)
  // Neither a private JWK member nor a PKCS#8 in any form.
  expect(text).not.toMatch(/"d"\s*:|privateKey|pkcs8/i)
}

describe('redaction of secrets in logs and JSON', () => {
  it('MedTechApi shows base URL, user name and data owner id only', () => {
    for (const text of renderings(api)) {
      expectNoSecret(text)
      expect(text).toContain(BASE_URL)
      expect(text).toContain(USERNAME)
      expect(text).toContain(SELF)
    }
    expect(JSON.parse(JSON.stringify(api))).toEqual({
      baseUrl: BASE_URL,
      username: USERNAME,
      dataOwnerId: SELF,
    })
    expect(inspect(api)).toMatch(/^MedTechApi \{/)
    // The MedTech getters still give the credentials to code that asks for them explicitly.
    expect(api.password).toBe(PASSWORD)
  })

  it('the settings object, the HTTP client and the crypto API show no secret', () => {
    for (const value of [api.settings, http, api.cryptoApi]) {
      for (const text of renderings(value)) expectNoSecret(text)
    }
    expect(JSON.parse(JSON.stringify(api.settings))).toEqual({ baseUrl: BASE_URL, username: USERNAME })
    expect(JSON.parse(JSON.stringify(http))).toEqual({ baseUrl: BASE_URL, username: USERNAME })
    expect(inspect(http)).toMatch(/^HttpClient \{/)
    expect(inspect(api.settings)).toMatch(/^MedTechApiSettings \{/)
    // Redaction does not change what the settings hold nor what copies of them get.
    expect({ ...api.settings }.password).toBe(PASSWORD)
    expect(Object.keys(api.settings)).not.toContain('toJSON')
  })

  it('MedTechApiBuilder shows base URL and user name only', () => {
    const builder = medTechApi()
      .withICureBaseUrl(BASE_URL)
      .withUserName(USERNAME)
      .withPassword(PASSWORD)
      .withKeyStorage(api.keyStorage)
      .withCryptoStrategies(new SimpleMedTechCryptoStrategies([pair]))
    for (const text of renderings(builder)) {
      expectNoSecret(text)
      expect(text).toContain(USERNAME)
    }
    expect(JSON.parse(JSON.stringify(builder))).toEqual({ baseUrl: BASE_URL, username: USERNAME })
    // A builder copied from the API (medTechApi(api)) too.
    for (const text of renderings(medTechApi(api))) expectNoSecret(text)
  })
})
