import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { CHROMIUM } from '../support/browser-sdk-page.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/** Where the console tests keep their screenshots (CI keeps the folder as the run's artifacts). */
export const SCREENSHOT_DIR = join(ROOT, 'test-artifacts', 'console')

/** A phone's viewport (an iPhone 12-sized screen), for the narrow-layout checks. */
export const PHONE = { width: 390, height: 844 } as const

/**
 * Debian's Chromium, headless, with the flags that keep it off the network (this machine refuses
 * outside connections). Fails with a clear message when Chromium or the console's build is missing:
 * `npm test` builds the console first (npm run build), a targeted run needs `npm run build -w @cairn/console`.
 */
export async function launchConsoleBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run installs it)`)
  if (!existsSync(join(ROOT, 'packages/console/dist/index.html')))
    throw new Error(
      'the web console is not built: run "npm run build -w @cairn/console" (npm test builds it)',
    )
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  })
}

/**
 * A fresh browser profile (its own IndexedDB: a "device") with a page on the console at `url`. Page
 * errors and failed requests other than expected API answers are collected in `problems`, so that a
 * test can assert the page ran cleanly.
 */
export async function openConsole(
  browser: Browser,
  url: string,
  viewport?: { width: number; height: number },
): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext(viewport ? { viewport } : {})
  const page = await context.newPage()
  const problems: string[] = []
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`))
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/.test(m.text())) problems.push(m.text())
  })
  await page.goto(`${url}/`)
  return { context, page, problems }
}

/** Fills the sign-in form and waits for the signed-in frame (its "Sign out" button). */
export async function signIn(page: Page, login: string, password: string): Promise<void> {
  await page.getByLabel('Login or email').fill(login)
  await page.locator('input[type=password]').first().fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('button', { name: 'Sign out' }).waitFor({ timeout: 60_000 })
}

/**
 * Resizes an open page to PHONE and waits for the phone layout: the AppShell moves its main region
 * with a CSS transition when the navigation becomes a drawer, so a screenshot taken at once would be
 * shifted. Waits until the main region's content starts near the left edge and stays put.
 */
export async function atPhoneSize(page: Page): Promise<void> {
  await page.setViewportSize(PHONE)
  const settled = () =>
    page.evaluate(
      () =>
        new Promise<boolean>((resolve) => {
          const main = document.getElementById('main-content')
          const left = () => main?.firstElementChild?.getBoundingClientRect().left
          const before = left()
          // Two frames later: unchanged means no transition is running.
          requestAnimationFrame(() =>
            requestAnimationFrame(() => resolve(before !== undefined && before < 40 && left() === before)),
          )
        }),
    )
  const deadline = Date.now() + 10_000
  while (!(await settled())) {
    if (Date.now() > deadline) throw new Error('the phone layout did not settle in 10 s')
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** Saves a full-page screenshot as test-artifacts/console/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true })
  const path = join(SCREENSHOT_DIR, `${name}.png`)
  await page.screenshot({ path, fullPage: true })
  return path
}
