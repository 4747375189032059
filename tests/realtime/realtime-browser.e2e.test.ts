import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { existsSync } from 'node:fs'
import type { Server } from 'node:http'
import { chromium, type Browser, type Page } from 'playwright-core'
import { bundleSdkForBrowser, CHROMIUM, serveSdkPage } from '../support/browser-sdk-page.ts'
import { Patient } from '@cairn/sdk'
import { disposeServer, startServer, type ServerProcess } from '../support/server-process.ts'
import { login } from '../support/actors.ts'
import { createKeyedHcp, EVENT_TIMEOUT_MS, type KeyedHcp } from './realtime-support.ts'

/**
 * A realtime subscription in a real browser (Debian's Chromium, driven by playwright-core), as
 * tests/browser/indexed-db-key-storage.e2e.test.ts runs the SDK there: the SDK is bundled for the
 * browser from its sources (esbuild, platform browser), a page on another origin (allowed by
 * CAIRN_CORS_ORIGINS) logs in, subscribes to patient events through the browser's WebSocket and a
 * ticket, and receives, decrypted, a patient that Node creates. The bundle must not contain `ws`.
 */

/** What the page keeps on `window`. */
interface PageState {
  sdk: typeof import('@cairn/sdk')
  events: { id?: string; note?: string; isPatient: boolean }[]
  errors: string[]
  connection?: import('@cairn/sdk').Connection
}

describe('realtime subscription in Chromium', () => {
  let browser: Browser | undefined
  let page: Page
  let pageServer: Server | undefined
  let server: ServerProcess | undefined
  let bundle: string
  let hcp: KeyedHcp

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `${CHROMIUM} is missing: this test needs Debian's Chromium (apt-get install -y chromium; .ci/run installs it)`,
      )
    }
    const [built, launched] = await Promise.all([
      bundleSdkForBrowser(),
      chromium.launch({ executablePath: CHROMIUM, headless: true }),
    ])
    bundle = built
    browser = launched
    const served = await serveSdkPage(bundle, 'cairn realtime')
    pageServer = served.server
    server = await startServer({ env: { CAIRN_CORS_ORIGINS: served.url } })
    hcp = await createKeyedHcp(server, 'browser')
    page = await browser.newPage()
    page.on('pageerror', (e) => console.error('page error:', e))
    await page.goto(`${served.url}/`)
    await page.waitForFunction(() => 'sdk' in window)
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await new Promise((resolve) => (pageServer ? pageServer.close(resolve) : resolve(undefined)))
    await disposeServer(server)
  })

  it('the bundle leaves ws out', () => {
    expect(bundle).not.toContain('ws does not work in the browser')
    expect(bundle).not.toContain('Sec-WebSocket-Key')
  })

  it('a page subscribes with a ticket and receives, decrypted, a patient created from Node', async () => {
    const status = await page.evaluate(
      async ({ url, hcp }) => {
        const state = window as unknown as PageState
        const { sdk } = state
        state.events = []
        state.errors = []
        const api = await sdk
          .medTechApi()
          .withICureBaseUrl(url)
          .withUserName(hcp.login)
          .withPassword(hcp.password)
          .withStorage(new sdk.MemoryStorage())
          .withCryptoStrategies(new sdk.SimpleMedTechCryptoStrategies([hcp.keyPair]))
          .build()
        const connection = await api.patientApi.subscribeToPatientEvents(['CREATE'], undefined, (p) => {
          state.events.push({ id: p.id, note: p.note, isPatient: p instanceof sdk.Patient })
          return Promise.resolve()
        })
        connection.onError((e) => state.errors.push(String(e?.message)))
        state.connection = connection
        return connection.connectionStatus
      },
      { url: server!.url, hcp },
    )
    expect(status).toBe('CONNECTED')

    const writer = await login(server!, hcp.login, hcp.password, [hcp.keyPair])
    const created = await writer.patientApi.createOrModifyPatient(
      new Patient({ firstName: 'Browser', lastName: 'Event', note: 'seen in Chromium' }),
    )
    await page.waitForFunction(
      (id) => (window as unknown as PageState).events.some((e) => e.id === id),
      created.id,
      { timeout: EVENT_TIMEOUT_MS },
    )
    const state = await page.evaluate(() => {
      const s = window as unknown as PageState
      s.connection?.close()
      return { events: s.events, errors: s.errors, status: s.connection?.connectionStatus }
    })
    expect(state.events).toEqual([{ id: created.id, note: 'seen in Chromium', isPatient: true }])
    expect(state.errors).toEqual([])
    expect(state.status).toBe('CLOSED')
  }, 60_000)

  it('a slow page past maxQueuedEvents closes its socket and reconnects from its cursor: each event once, in order', async () => {
    await page.evaluate(
      async ({ url, hcp }) => {
        const state = window as unknown as PageState & { closes: number }
        const { sdk } = state
        state.events = []
        state.errors = []
        state.closes = 0
        const api = await sdk
          .medTechApi()
          .withICureBaseUrl(url)
          .withUserName(hcp.login)
          .withPassword(hcp.password)
          .withStorage(new sdk.MemoryStorage())
          .withCryptoStrategies(new sdk.SimpleMedTechCryptoStrategies([hcp.keyPair]))
          .build()
        // One event may wait; the app takes 300 ms per event, slower than the writes below.
        const connection = await api.patientApi.subscribeToPatientEvents(
          ['CREATE'],
          undefined,
          async (p) => {
            await new Promise((resolve) => setTimeout(resolve, 300))
            state.events.push({ id: p.id, note: p.note, isPatient: p instanceof sdk.Patient })
          },
          { maxQueuedEvents: 1, connectionMaxRetry: 0 },
        )
        connection.onError((e) => state.errors.push(String(e?.message)))
        connection.onClosed(() => state.closes++)
        state.connection = connection
      },
      { url: server!.url, hcp },
    )
    const writer = await login(server!, hcp.login, hcp.password, [hcp.keyPair])
    const ids: string[] = []
    for (let i = 0; i < 6; i++)
      ids.push(
        (await writer.patientApi.createOrModifyPatient(new Patient({ firstName: 'Slow', lastName: `P${i}` })))
          .id!,
      )
    await page.waitForFunction((n) => (window as unknown as PageState).events.length >= n, ids.length, {
      timeout: EVENT_TIMEOUT_MS,
    })
    // Late duplicates would come within a few events' time.
    await new Promise((resolve) => setTimeout(resolve, 1000))
    const state = await page.evaluate(() => {
      const s = window as unknown as PageState & { closes: number }
      const result = { ids: s.events.map((e) => e.id), errors: s.errors, closes: s.closes }
      s.connection?.close()
      return result
    })
    expect(state.ids).toEqual(ids)
    // The socket was closed for a full queue at least once (counted before the app's close()), and no
    // error: a full queue is no failure and spends no retry (connectionMaxRetry 0 would have ended it).
    expect(state.closes).toBeGreaterThanOrEqual(1)
    expect(state.errors).toEqual([])
  }, 90_000)
})
