import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { existsSync } from 'node:fs'
import type { Server } from 'node:http'
import { chromium, type Browser, type Page } from 'playwright-core'
import { bundleSdkForBrowser, CHROMIUM, serveSdkPage } from '../support/browser-sdk-page.ts'

/**
 * IndexedDbKeyStorage in a real browser (Debian's Chromium, driven by playwright-core): the SDK is
 * bundled for the browser from its sources (esbuild, platform browser: a Node.js builtin imported by
 * browser code fails the bundle), served with a tiny page by a local HTTP server, and the page stores a
 * key pair, is reloaded, and loads it again as the SDK does at login. The private keys must come back as
 * non-extractable CryptoKeys that decrypt and sign, and that no export can read.
 */
const ENTRY = 'cairn.rsa.device.6f9619ff-8b86-4011-b42d-00c04fc964ff.00112233445566778899aabbccddeeff'
const LEGACY_ENTRY = 'cairn.rsa.device.6f9619ff-8b86-4011-b42d-00c04fc964ff.ffeeddccbbaa99887766554433221100'

const hex2buf = (hex: string) => Buffer.from(hex, 'hex')

/** What the page's `window.sdk` holds (the bundle's exports). */
type Sdk = typeof import('@cairn/sdk') &
  typeof import('../../packages/sdk/src/crypto/stored-key-pair.ts') &
  typeof import('../../packages/sdk/src/crypto/key-format.ts')

/** Loads the page (again) and waits for its module script to have loaded the SDK. */
async function open(page: Page, url?: string): Promise<void> {
  if (url) await page.goto(url)
  else await page.reload()
  await page.waitForFunction(() => 'sdk' in window)
}

describe('IndexedDbKeyStorage in Chromium', () => {
  let browser: Browser | undefined
  let server: Server | undefined
  let page: Page

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `${CHROMIUM} is missing: this test needs Debian's Chromium (apt-get install -y chromium; .ci/run installs it)`,
      )
    }
    const [bundle, launched] = await Promise.all([
      bundleSdkForBrowser([
        "export { loadStoredKeyPair, storeKeyPair } from './packages/sdk/src/crypto/stored-key-pair.ts'",
        "export { keyPairToJwk } from './packages/sdk/src/crypto/key-format.ts'",
      ]),
      chromium.launch({ executablePath: CHROMIUM, headless: true }),
    ])
    browser = launched
    const served = await serveSdkPage(bundle, 'cairn key storage')
    server = served.server
    page = await browser.newPage()
    page.on('pageerror', (e) => console.error('page error:', e))
    await open(page, `${served.url}/`)
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)))
  })

  it('stores a pair as non-extractable CryptoKeys that survive a reload, decrypt and sign, and cannot be exported', async () => {
    // 1. The page generates a pair and stores it as the SDK does; a second pair sits in localStorage as
    //    the previous default kept it (JWK in clear), to be moved on first read.
    const stored = await page.evaluate(
      async ({ entry, legacyEntry }) => {
        const sdk = (window as unknown as { sdk: Sdk }).sdk
        const keys = new sdk.IndexedDbKeyStorage()
        const pair = await sdk.generateKeyPairHex()
        await sdk.storeKeyPair(keys, entry, pair)
        const legacy = await sdk.generateKeyPairHex()
        const legacyStorage = new sdk.KeyStorageImpl(new sdk.LocalStorageImpl())
        await legacyStorage.storeKeyPair(legacyEntry, await sdk.keyPairToJwk(legacy))
        await keys.close()
        return { pair, legacyPublicKey: legacy.publicKey, localStorageKeys: Object.keys(localStorage) }
      },
      { entry: ENTRY, legacyEntry: LEGACY_ENTRY },
    )
    expect(stored.localStorageKeys).toEqual([LEGACY_ENTRY])

    // Node encrypts for the public key: only the stored private key can open it after the reload.
    const secret = crypto.getRandomValues(new Uint8Array(32))
    const spki = await crypto.subtle.importKey(
      'spki',
      hex2buf(stored.pair.publicKey),
      { name: 'RSA-OAEP', hash: 'SHA-256' },
      false,
      ['encrypt'],
    )
    const ciphertext = Buffer.from(await crypto.subtle.encrypt({ name: 'RSA-OAEP' }, spki, secret)).toString(
      'base64',
    )

    // 2. A reload: nothing of the first page's memory survives, only IndexedDB (and localStorage).
    await open(page)
    const loaded = await page.evaluate(
      async ({ entry, legacyEntry, ciphertext }) => {
        const sdk = (window as unknown as { sdk: Sdk }).sdk
        const keys = new sdk.IndexedDbKeyStorage({
          migrateFrom: new sdk.KeyStorageImpl(new sdk.LocalStorageImpl()),
        })
        const handle = await sdk.loadStoredKeyPair(keys, entry)
        if (!handle) throw new Error('the pair is gone after the reload')
        const raw = await keys.getKeypair(entry)
        // What IndexedDB itself holds, read with the raw API: CryptoKey objects, no key bytes.
        const db = await new Promise<IDBDatabase>((resolve, reject) => {
          const r = indexedDB.open('cairn-keys')
          r.onsuccess = () => resolve(r.result)
          r.onerror = () => reject(new Error(String(r.error)))
        })
        const inDb = await new Promise<{
          publicKey: unknown
          privateKey: { decrypt: unknown; sign: unknown }
        }>((resolve, reject) => {
          const r = db.transaction('key-pairs').objectStore('key-pairs').get(entry)
          r.onsuccess = () =>
            resolve(r.result as { publicKey: unknown; privateKey: { decrypt: unknown; sign: unknown } })
          r.onerror = () => reject(new Error(String(r.error)))
        })
        db.close()
        const exportAttempts: string[] = []
        for (const key of [handle.decryptKey, handle.signKey, inDb.privateKey.decrypt as CryptoKey]) {
          for (const format of ['pkcs8', 'jwk'] as const) {
            try {
              await crypto.subtle.exportKey(format, key)
              exportAttempts.push(`${format}: exported!`)
            } catch (e) {
              exportAttempts.push(`${format}: ${(e as DOMException).name}`)
            }
          }
        }
        const bytes = Uint8Array.from(atob(ciphertext), (c) => c.charCodeAt(0))
        const decrypted = new Uint8Array(
          await crypto.subtle.decrypt({ name: 'RSA-OAEP' }, handle.decryptKey, bytes),
        )
        const message = new TextEncoder().encode('signed in the browser')
        const signature = new Uint8Array(
          await crypto.subtle.sign({ name: 'RSA-PSS', saltLength: 32 }, handle.signKey, message),
        )
        // The legacy pair: moved from localStorage on first read, then deleted there.
        const migrated = await sdk.loadStoredKeyPair(keys, legacyEntry)
        const migratedRaw = await keys.getKeypair(legacyEntry)
        const localStorageAfterMigration = Object.keys(localStorage)
        await keys.deleteKeypair(legacyEntry)
        const afterDelete = await keys.getKeypair(legacyEntry)
        const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
        return {
          publicKeyHex: handle.publicKeyHex,
          fingerprint: handle.fingerprint,
          hasPrivateKeyHex: 'privateKeyHex' in handle,
          handleExtractable: [handle.decryptKey.extractable, handle.signKey.extractable],
          handleAlgorithms: [handle.decryptKey.algorithm.name, handle.signKey.algorithm.name],
          rawPublicKey: raw?.publicKey,
          rawExtractable: [raw?.privateKey.decrypt.extractable, raw?.privateKey.sign.extractable],
          inDbIsCryptoKey: [
            inDb.privateKey.decrypt instanceof CryptoKey,
            inDb.privateKey.sign instanceof CryptoKey,
          ],
          inDbPublicKey: inDb.publicKey,
          exportAttempts,
          decrypted: toHex(decrypted),
          signature: toHex(signature),
          message: toHex(message),
          migratedPublicKey: migrated?.publicKeyHex,
          migratedExtractable: [
            migratedRaw?.privateKey.decrypt.extractable,
            migratedRaw?.privateKey.sign.extractable,
          ],
          localStorageKeys: localStorageAfterMigration,
          deletedIsGone: afterDelete === undefined,
        }
      },
      { entry: ENTRY, legacyEntry: LEGACY_ENTRY, ciphertext },
    )

    expect(loaded.publicKeyHex).toBe(stored.pair.publicKey)
    expect(loaded.fingerprint).toMatch(/^[0-9a-f]{32}$/)
    expect(loaded.hasPrivateKeyHex).toBe(false)
    expect(loaded.handleExtractable).toEqual([false, false])
    expect(loaded.handleAlgorithms).toEqual(['RSA-OAEP', 'RSA-PSS'])
    expect(loaded.rawPublicKey).toBe(stored.pair.publicKey)
    expect(loaded.rawExtractable).toEqual([false, false])
    expect(loaded.inDbIsCryptoKey).toEqual([true, true])
    expect(loaded.inDbPublicKey).toBe(stored.pair.publicKey)
    expect(loaded.exportAttempts).toEqual([
      'pkcs8: InvalidAccessError',
      'jwk: InvalidAccessError',
      'pkcs8: InvalidAccessError',
      'jwk: InvalidAccessError',
      'pkcs8: InvalidAccessError',
      'jwk: InvalidAccessError',
    ])
    // It decrypts what Node encrypted, and Node verifies what it signed.
    expect(loaded.decrypted).toBe(Buffer.from(secret).toString('hex'))
    const verifyKey = await crypto.subtle.importKey(
      'spki',
      hex2buf(stored.pair.publicKey),
      { name: 'RSA-PSS', hash: 'SHA-256' },
      false,
      ['verify'],
    )
    expect(
      await crypto.subtle.verify(
        { name: 'RSA-PSS', saltLength: 32 },
        verifyKey,
        hex2buf(loaded.signature),
        hex2buf(loaded.message),
      ),
    ).toBe(true)
    // The old clear JWK left localStorage; its pair now lives in IndexedDB, non-extractable.
    expect(loaded.migratedPublicKey).toBe(stored.legacyPublicKey)
    expect(loaded.migratedExtractable).toEqual([false, false])
    expect(loaded.localStorageKeys).toEqual([])
    expect(loaded.deletedIsGone).toBe(true)
  }, 30_000)
})
