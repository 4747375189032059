import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../config.ts'
import { startInProcessServer } from '../testing/in-process-server.ts'
import { registerConsole } from './console-static.ts'

/** A console build as Vite writes it: the page, and hashed bundles under assets/. */
function fakeBuild(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-console-'))
  writeFileSync(
    join(dir, 'index.html'),
    '<!doctype html><html><head><script type="module" src="/assets/index-abc123.js"></script></head><body><div id="root"></div></body></html>',
  )
  mkdirSync(join(dir, 'assets', 'nested'), { recursive: true })
  writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log("console")')
  writeFileSync(join(dir, 'assets', 'index-abc123.css'), 'body{margin:0}')
  writeFileSync(join(dir, 'assets', 'nested', 'chunk-def456.js'), 'export {}')
  writeFileSync(join(dir, 'assets', '.secret'), 'not for browsers')
  // Next to the assets, never served: only index.html and assets/ are the console.
  writeFileSync(join(dir, 'stats.json'), '{}')
  return dir
}

describe('the web console at / (console-static.ts)', () => {
  let dir: string
  let server: Awaited<ReturnType<typeof startInProcessServer>>

  beforeAll(async () => {
    dir = fakeBuild()
    server = await startInProcessServer({ consoleDir: dir })
  })

  afterAll(async () => {
    await server?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('serves the page at / with the console CSP, never cached', async () => {
    const res = await server.request({ method: 'GET', url: '/' })
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(res.text).toContain('<div id="root"></div>')
    expect(res.headers['cache-control']).toBe('no-store')
    const csp = String(res.headers['content-security-policy'])
    // Scripts only from the server itself (no inline script), API calls only to it, no framing.
    expect(csp).toContain("script-src 'self'")
    expect(csp).toContain("connect-src 'self'")
    expect(csp).toContain("frame-ancestors 'none'")
    expect(csp).not.toContain("'unsafe-eval'")
    expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/)
    expect(res.headers['x-content-type-options']).toBe('nosniff')
    // No cross-origin window keeps a handle on the page that decrypts records (console set only).
    expect(res.headers['cross-origin-opener-policy']).toBe('same-origin')
    const api = await server.request({ method: 'GET', url: '/health' })
    expect(api.headers['cross-origin-opener-policy']).toBeUndefined()
  })

  it('needs no session for the page and its bundles (a signed-out browser loads them)', async () => {
    for (const url of ['/', '/assets/index-abc123.js']) {
      const res = await server.request({ method: 'GET', url })
      expect(res.status, url).toBe(200)
    }
  })

  it('caches the hashed bundles for a year, immutable, with their types', async () => {
    const js = await server.request({ method: 'GET', url: '/assets/index-abc123.js' })
    expect(js.status).toBe(200)
    expect(js.text).toBe('console.log("console")')
    expect(js.headers['content-type']).toMatch(/^(text|application)\/javascript/)
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    const css = await server.request({ method: 'GET', url: '/assets/index-abc123.css' })
    expect(css.headers['content-type']).toMatch(/^text\/css/)
    expect(css.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    const nested = await server.request({ method: 'GET', url: '/assets/nested/chunk-def456.js' })
    expect(nested.status).toBe(200)
  })

  it("answers an unknown asset with the API's JSON 404", async () => {
    const res = await server.request({ method: 'GET', url: '/assets/index-gone.js' })
    expect(res.status).toBe(404)
    expect(res.headers['content-type']).toMatch(/^application\/json/)
    expect(res.body).toMatchObject({ error: { code: 'NOT_FOUND' } })
  })

  it('lists no directory, serves no dotfile and nothing outside assets/', async () => {
    for (const url of [
      '/assets/',
      '/assets/nested/',
      '/assets/.secret',
      '/assets/../stats.json',
      '/assets/%2e%2e/stats.json',
      '/stats.json',
      '/index.html/',
    ]) {
      const res = await server.request({ method: 'GET', url })
      expect(res.status, url).toBeGreaterThanOrEqual(400)
      expect(res.status, url).toBeLessThan(500)
      expect(res.text, url).not.toContain('not for browsers')
      expect(res.text, url).not.toContain('chunk-def456')
      expect(res.headers['content-type'], url).toMatch(/^application\/json/)
    }
  })

  it('leaves the API as it was: its JSON answers and its own CSP', async () => {
    const health = await server.request({ method: 'GET', url: '/health' })
    expect(health.status).toBe(200)
    expect(health.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'")
    const unknown = await server.request({ method: 'GET', url: '/patients' })
    expect(unknown.status).toBe(404)
    expect(unknown.body).toMatchObject({ error: { code: 'NOT_FOUND' } })
  })

  it('refuses to start without a build, saying what to do', async () => {
    const app = Fastify()
    try {
      await expect(registerConsole(app, join(dir, 'no-such-build'))).rejects.toThrow(
        /the web console is not built in .*no-such-build \(ENOENT\): run "npm run build", or set CAIRN_CONSOLE_DIR=off/,
      )
    } finally {
      await app.close()
    }
  })
})

describe('without the console (CAIRN_CONSOLE_DIR=off)', () => {
  it('reads "off" as no console', () => {
    expect(loadConfig({ CAIRN_CONSOLE_DIR: 'off' }).consoleDir).toBeUndefined()
    expect(loadConfig({ CAIRN_CONSOLE_DIR: '/srv/console' }).consoleDir).toBe('/srv/console')
  })

  it("answers / and /assets/* with the API's JSON 404", async () => {
    const server = await startInProcessServer({ consoleDir: undefined })
    try {
      for (const url of ['/', '/assets/index-abc123.js']) {
        const res = await server.request({ method: 'GET', url })
        expect(res.status, url).toBe(404)
        expect(res.body, url).toMatchObject({ error: { code: 'NOT_FOUND' } })
      }
    } finally {
      await server.close()
    }
  })
})
