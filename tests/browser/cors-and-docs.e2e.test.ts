import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { existsSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { chromium, type Browser } from 'playwright-core'
import { disposeServer, startServer, type ServerProcess } from '../support/server-process.ts'

/**
 * What a browser makes of Cairn's headers (Debian's Chromium, driven by playwright-core): a web app
 * on an origin of CAIRN_CORS_ORIGINS logs in and calls the API with its bearer token (a preflighted
 * cross-origin call) and reads the request id; an app on another origin is refused by the browser;
 * Swagger UI at /docs renders under its Content-Security-Policy without a single violation.
 */
const CHROMIUM = '/usr/bin/chromium'

/** Serves an empty page on 127.0.0.1 (its own origin: another port is another origin). */
async function pageServer(): Promise<{ server: Server; origin: string }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>app</title>')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
}

/** What the page's calls gave: the statuses and the exposed request id, or the browser's error. */
interface CallResult {
  login?: number
  current?: number
  requestId?: string | null
  error?: string
}

describe('CORS and Swagger UI in Chromium', () => {
  let browser: Browser | undefined
  let cairn: ServerProcess
  const pages: Server[] = []
  let allowed: string
  let refused: string

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `${CHROMIUM} is missing: this test needs Debian's Chromium (apt-get install -y chromium; .ci/run installs it)`,
      )
    }
    const [app, other] = [await pageServer(), await pageServer()]
    pages.push(app.server, other.server)
    allowed = app.origin
    refused = other.origin
    ;[cairn, browser] = await Promise.all([
      startServer({ env: { CAIRN_CORS_ORIGINS: allowed } }),
      chromium.launch({ executablePath: CHROMIUM, headless: true }),
    ])
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    for (const s of pages) await new Promise((resolve) => s.close(resolve))
    await disposeServer(cairn)
  })

  /** Logs in from a page of `origin` and reads the current user with the token, as a web app does. */
  async function callFrom(origin: string): Promise<CallResult> {
    const page = await browser!.newPage()
    try {
      await page.goto(origin)
      return await page.evaluate(
        async ({ api, username, password }) => {
          try {
            const login = await fetch(`${api}/rest/v1/auth/login`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ username, password }),
            })
            const { token } = (await login.json()) as { token: string }
            // A bearer token makes this call preflighted (OPTIONS first).
            const current = await fetch(`${api}/rest/v1/user/current`, {
              headers: { authorization: `Bearer ${token}` },
            })
            return {
              login: login.status,
              current: current.status,
              requestId: current.headers.get('x-request-id'),
            }
          } catch (e) {
            return { error: String(e) }
          }
        },
        { api: cairn.url, username: cairn.adminLogin, password: cairn.adminPassword },
      )
    } finally {
      await page.close()
    }
  }

  it('lets an app on an allowed origin call the API with its token and read the request id', async () => {
    const result = await callFrom(allowed)
    expect(result).toEqual({
      login: 200,
      current: 200,
      requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown,
    })
  })

  it('lets the browser refuse the answers to an app on any other origin', async () => {
    const result = await callFrom(refused)
    expect(result.error).toMatch(/TypeError: Failed to fetch/)
  })

  it('renders Swagger UI at /docs without any Content-Security-Policy violation', async () => {
    const page = await browser!.newPage()
    const violations: string[] = []
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text())
    })
    page.on('pageerror', (e) => violations.push(`page error: ${e.message}`))
    await page.exposeFunction('reportViolation', (v: string) => violations.push(v))
    await page.addInitScript(() => {
      document.addEventListener(
        'securitypolicyviolation',
        (e) =>
          void (window as unknown as { reportViolation: (v: string) => void }).reportViolation(
            `${e.violatedDirective} ${e.blockedURI}`,
          ),
      )
    })
    try {
      await page.goto(`${cairn.url}/docs/`)
      // The operations of the OpenAPI document are rendered: scripts ran and the document loaded.
      await page.waitForSelector('.opblock-summary-operation-id, .opblock', { timeout: 30_000 })
      expect(await page.locator('.opblock').count()).toBeGreaterThan(10)
      expect(await page.textContent('body')).toContain('Cairn API')
      expect(violations).toEqual([])
    } finally {
      await page.close()
    }
  })
})
