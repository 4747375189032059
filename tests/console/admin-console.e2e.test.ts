import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { MedicalDevice } from '@cairn/sdk'
import { disposeServer, startServer, type ServerProcess } from '../support/server-process.ts'
import { newHcp, type Actor } from '../support/actors.ts'
import { call } from '../access/http.ts'
import { startSmtpSink, type SmtpSink } from '../../packages/server/src/testing/smtp-sink.ts'
import { parseInvitationFragment } from '../../packages/console/src/session/invitation-link.ts'
import serverPackage from '../../packages/server/package.json' with { type: 'json' }
import {
  launchConsoleBrowser,
  openConsole,
  PHONE,
  screenshot as fullPage,
  signIn,
} from './console-browser.ts'

/**
 * The administrator's console in a real browser against a real server: keyboard sign-in and
 * navigation, users (paging, search, disable and enable), the professionals directory, messaging
 * settings (an application and an authentication process made and deleted through the page), a
 * professional invited by email through a real SMTP server with the console's invitation link, the
 * access log showing what the test did, the server's health and metrics, the phone layout, and the
 * "session ended" notice. Each step checks what the page shows and what the server then holds.
 */

const METRICS_TOKEN = 'metrics-token-for-the-console-test'
/** More users than one page of the users screen (20) holds. */
const EXTRA_USERS = 20

describe('admin console', () => {
  let smtp: SmtpSink
  let server: ServerProcess
  let browser: Browser
  let context: BrowserContext
  let page: Page
  let problems: string[]
  let house: Actor
  let cuddy: Actor
  let adminToken: string
  let adminId: string

  /** A fresh admin token (creating users and changing passwords need a recent login). */
  const adminLogin = async (password = server.adminPassword) => {
    const r = await call<{ token: string }>(server.url, 'POST', '/rest/v1/auth/login', {
      json: { username: server.adminLogin, password },
    })
    expect(r.status, r.text).toBe(200)
    return r.body.token
  }
  const api = async <T>(method: string, path: string, json?: unknown) => {
    const r = await call<T>(server.url, method, `/rest/v1${path}`, { token: adminToken, json })
    expect(r.status, `${method} ${path}: ${r.text}`).toBe(200)
    return r.body
  }
  /** Goes to a screen through the navigation and waits for its heading to have the focus. */
  const open = async (label: string, heading: string) => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label }).click()
    await expect.poll(() => focusedHeading(page)).toBe(heading)
  }

  beforeAll(async () => {
    smtp = await startSmtpSink()
    ;[server, browser] = await Promise.all([
      startServer({
        env: {
          CAIRN_SMTP_URL: smtp.url,
          CAIRN_SMTP_FROM: 'cairn@example.org',
          CAIRN_METRICS_TOKEN: METRICS_TOKEN,
        },
      }),
      launchConsoleBrowser(),
    ])
    ;[house, cuddy] = await Promise.all([newHcp(server, 'house'), newHcp(server, 'cuddy')])
    adminToken = await adminLogin()
    adminId = (await api<{ id: string }>('GET', '/user/current')).id
    await Promise.all(
      Array.from({ length: EXTRA_USERS }, (_, i) =>
        api('POST', '/user', { id: randomUUID(), login: `reader-${i}@example.org`, password: 'pw-reader' }),
      ),
    )
    await house.api.medicalDeviceApi.createOrModifyMedicalDevice(
      new MedicalDevice({ name: 'Ward glucometer', type: 'glucometer', brand: 'Acme', model: 'G2' }),
    )
    ;({ context, page, problems } = await openConsole(browser, server.url))
  }, 90_000)

  afterAll(async () => {
    await browser?.close()
    await disposeServer(server)
    await smtp?.close()
  })

  it('signs in and navigates with the keyboard alone', async () => {
    // The sign-in form: Tab to the login field, type, Tab to the password, Enter submits.
    await page.keyboard.press('Tab')
    expect(await focusedLabel(page)).toMatch(/^Login or email/)
    await page.keyboard.type(server.adminLogin)
    await page.keyboard.press('Tab')
    expect(await focusedLabel(page)).toMatch(/^Password/)
    await page.keyboard.type(server.adminPassword)
    await page.keyboard.press('Enter')
    await page.getByRole('button', { name: 'Sign out' }).waitFor({ timeout: 30_000 })
    // The start screen's heading has the focus, and names the page.
    await expect.poll(() => focusedHeading(page)).toBe('Users')
    expect(await page.title()).toBe('Users · Cairn console')
    // Back (Shift+Tab) into the navigation, to "Access log", and Enter.
    for (let i = 0; i < 10 && (await focusedText(page)) !== 'Access log'; i++)
      await page.keyboard.press('Shift+Tab')
    expect(await focusedText(page)).toBe('Access log')
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('A')
    await page.keyboard.press('Enter')
    await expect.poll(() => focusedHeading(page)).toBe('Access log')
    expect(new URL(page.url()).hash).toBe('#/admin/audit')
    expect(
      await page
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name: 'Access log' })
        .getAttribute('aria-current'),
    ).toBe('page')
    // The skip link: first Tab stop, shown when focused, and it moves focus to the heading.
    const skip = page.getByRole('link', { name: 'Skip to main content' })
    await skip.focus()
    const box = await skip.boundingBox()
    expect(box && box.x >= 0 && box.y >= 0 && box.width > 10).toBe(true)
    await page.getByRole('link', { name: 'Users' }).focus()
    await skip.focus()
    await page.keyboard.press('Enter')
    await expect.poll(() => focusedHeading(page)).toBe('Access log')
  })

  it('lists users page by page, finds one, and disables and enables an account', async () => {
    await open('Users', 'Users')
    const rows = page.getByRole('table').getByRole('row')
    await page.getByText(`Page 1 · ${EXTRA_USERS + 3} users in all`).waitFor()
    expect(await rows.count()).toBe(21) // the header and 20 users
    await page.getByRole('button', { name: 'Next page' }).click()
    await page.getByText(`Page 2 · ${EXTRA_USERS + 3} users in all`).waitFor()
    await expect.poll(() => rows.count()).toBe(4) // the header and the 3 others
    await page.getByRole('button', { name: 'Previous page' }).click()
    // The pager's text changes at once, the rows once page 1 is there again: wait for the rows.
    await expect.poll(() => rows.count()).toBe(21)
    await page.getByText(`Page 1 · ${EXTRA_USERS + 3} users in all`).waitFor()
    await screenshot(page, 'admin-users')

    // The server finds users by id or email: Cuddy (made by create-hcp) has a login and no email.
    await page.getByLabel('Find a user by id or email').fill(cuddy.user.id!)
    await page.getByRole('button', { name: 'Search', exact: true }).click()
    await page.getByRole('table').getByText('Every user').waitFor({ state: 'detached' })
    await expect.poll(() => rows.count()).toBe(2)
    await page.getByRole('link', { name: cuddy.login }).click()
    await expect.poll(() => focusedHeading(page)).toBe(`User ${cuddy.login}`)
    await page.getByText('Healthcare professional').first().waitFor()
    expect(await page.getByRole('link', { name: cuddy.dataOwnerId }).count()).toBe(1)

    await page.getByRole('button', { name: 'Disable account', exact: true }).click()
    await page.getByRole('button', { name: 'Confirm: disable account' }).click()
    await page.getByText('The account is disabled').waitFor()
    await page.getByRole('button', { name: 'Enable account', exact: true }).waitFor()
    await screenshot(page, 'admin-user-details')
    const disabled = await api<{ status?: string }>('GET', `/user/${cuddy.user.id}`)
    expect(disabled.status).toBe('DISABLED')
    const refused = await call(server.url, 'POST', '/rest/v1/auth/login', {
      json: { username: cuddy.login, password: cuddy.password },
    })
    expect(refused.status).toBe(401)

    await page.getByRole('button', { name: 'Enable account', exact: true }).click()
    await page.getByRole('button', { name: 'Confirm: enable account' }).click()
    await page.getByText('The account is enabled again').waitFor()
    expect((await api<{ status?: string }>('GET', `/user/${cuddy.user.id}`)).status).toBe('ACTIVE')
    const again = await call(server.url, 'POST', '/rest/v1/auth/login', {
      json: { username: cuddy.login, password: cuddy.password },
    })
    expect(again.status).toBe(200)
  })

  it('searches the professionals directory, shows a record, and lists the devices', async () => {
    await open('Professionals', 'Healthcare professionals')
    await page.getByRole('link', { name: 'Test, house' }).waitFor()
    await page.getByLabel('Search by name').fill('CUDDY')
    await page.getByRole('button', { name: 'Search', exact: true }).click()
    await page.getByText('Page 1 · 1 professionals in all').waitFor()
    expect(await page.getByRole('link', { name: 'Test, house' }).count()).toBe(0)
    await screenshot(page, 'admin-professionals')
    await page.getByRole('link', { name: 'Test, cuddy' }).click()
    await expect.poll(() => focusedHeading(page)).toBe('Test, cuddy')
    await page.getByText(cuddy.dataOwnerId).waitFor()
    await page.getByText('Published').waitFor()
    expect(house.dataOwnerId).not.toBe(cuddy.dataOwnerId)

    await open('Medical devices', 'Medical devices')
    await page.getByRole('cell', { name: 'Ward glucometer' }).waitFor()
    await page.getByRole('cell', { name: 'Acme G2' }).waitFor()
    await page.getByText('Page 1 · 1 devices in all').waitFor()
  })

  it('creates an application and an authentication process, and deletes the process', async () => {
    await open('Messaging', 'Messaging')
    await page.getByLabel(/^specId/).fill('console-app')
    await page.getByLabel(/^Application name/).fill('Console clinic')
    await page.getByLabel('Sender email').fill('clinic@example.org')
    await page.getByRole('button', { name: 'Save application' }).click()
    await page.getByText('Application console-app saved.').waitFor()
    await page.getByRole('cell', { name: 'Console clinic', exact: true }).waitFor()
    const apps = await api<{ specId: string; name: string; emailFrom?: string }[]>(
      'GET',
      '/msggw/application',
    )
    expect(apps).toEqual([
      expect.objectContaining({
        specId: 'console-app',
        name: 'Console clinic',
        emailFrom: 'clinic@example.org',
      }),
    ])

    await page.getByLabel('Process id').fill('console-signup')
    await page.getByLabel('Responsible healthcare professional id').fill(house.dataOwnerId)
    await page.getByRole('button', { name: 'Create process' }).click()
    await page.getByText('Process console-signup created.').waitFor()
    await page.getByRole('cell', { name: 'console-signup', exact: true }).waitFor()
    const processes = await api<{ id: string; kind: string; responsibleHcpId?: string }[]>(
      'GET',
      '/msggw/authprocess',
    )
    expect(processes).toEqual([
      expect.objectContaining({ id: 'console-signup', kind: 'patient', responsibleHcpId: house.dataOwnerId }),
    ])
    await page.getByTestId('outbox-failed').getByText('0').waitFor()
    await screenshot(page, 'admin-messaging')

    await page.getByRole('button', { name: 'Delete process console-signup' }).click()
    await page.getByRole('button', { name: 'Confirm: delete process console-signup' }).click()
    await page.getByText('Process console-signup deleted.').waitFor()
    await page.getByRole('cell', { name: 'console-signup', exact: true }).waitFor({ state: 'detached' })
    expect(await api<unknown[]>('GET', '/msggw/authprocess')).toEqual([])
  })

  let invitedHcpId: string
  it("invites a professional: the email reaches the SMTP server with the console's link", async () => {
    await open('Professionals', 'Healthcare professionals')
    await page.getByRole('link', { name: 'Invite a professional' }).click()
    await expect.poll(() => focusedHeading(page)).toBe('Invite a healthcare professional')
    const email = `wilson-${Date.now()}@example.org`
    await page.getByLabel(/^Email/).fill(email)
    await page.getByLabel('First name').fill('James')
    await page.getByLabel('Last name').fill('Wilson')
    await expect.poll(() => page.getByLabel(/^Application/).inputValue()).toBe('console-app')
    await page.getByRole('button', { name: 'Send the invitation' }).click()
    await page.getByText('Invitation queued').waitFor({ timeout: 30_000 })
    await screenshot(page, 'admin-invite')

    const mail = await smtp.waitFor(email)
    expect(mail.subject).toBe('You have been invited to use Console clinic')
    expect(mail.fromHeader).toContain('clinic@example.org')
    const href = /href="([^"]+)"/
      .exec(mail.html)?.[1]
      ?.replace(/&#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code)))
      .replace(/&amp;/g, '&')
    expect(href).toBeDefined()
    const link = new URL(href!)
    expect(link.origin).toBe(new URL(server.url).origin)
    expect(link.pathname).toBe('/')
    const invitation = parseInvitationFragment(link.hash)
    expect(invitation?.login).toBe(email)
    // The server put a real token in place of the SDK's placeholder: it logs the professional in once.
    const first = await call(server.url, 'POST', '/rest/v1/auth/login', {
      json: { username: invitation!.login, password: invitation!.token },
    })
    expect(first.status, first.text).toBe(200)

    const user = await api<{ login: string; healthcarePartyId: string }>('GET', `/user/byEmail/${email}`)
    expect(user.login).toBe(email)
    invitedHcpId = user.healthcarePartyId
    const hcp = await api<{ firstName: string; lastName: string }>('GET', `/hcparty/${invitedHcpId}`)
    expect(hcp).toMatchObject({ firstName: 'James', lastName: 'Wilson' })

    // The invited user is found by its email (case does not matter).
    await open('Users', 'Users')
    await page.getByLabel('Find a user by id or email').fill(email.toUpperCase())
    await page.getByRole('button', { name: 'Search', exact: true }).click()
    await page.getByRole('link', { name: email }).waitFor()
  })

  it('reads the access log, filtered on what the test did', async () => {
    await open('Access log', 'Access log')
    await page.getByLabel('Action').selectOption('create')
    await page.getByLabel('Record type').selectOption('healthcareProfessional')
    await page.getByRole('button', { name: 'Apply filters' }).click()
    // The unfiltered entries stay on screen until the filtered ones arrive: wait for those.
    const entries = page.getByRole('table').getByRole('row')
    // House, Cuddy (by the CLI's create-hcp) and Wilson (invited through the page).
    await expect.poll(() => entries.count()).toBe(4)
    await page.getByRole('cell', { name: invitedHcpId }).waitFor()
    await screenshot(page, 'admin-audit')

    await page.getByRole('button', { name: 'Clear filters' }).click()
    await page.getByLabel('Actor user id').fill(adminId)
    await page.getByLabel('Action').selectOption('modify')
    await page.getByLabel('Record type').selectOption('user')
    await page.getByRole('button', { name: 'Apply filters' }).click()
    // The disable and the enable of Cuddy's account, by the admin.
    await expect.poll(() => page.getByRole('cell', { name: cuddy.user.id! }).count()).toBe(2)

    await page.getByLabel('Actor user id').fill('not-an-id')
    await page.getByRole('button', { name: 'Apply filters' }).click()
    await page
      .getByRole('alert')
      .getByText(/actorUserId/)
      .waitFor()
  })

  it('shows the server health, version and, with the metrics token, its metrics', async () => {
    await open('Server health', 'Server health')
    await page.getByTestId('server-version').getByText(serverPackage.version).waitFor()
    const liveness = page.getByRole('region', { name: 'Liveness (/health)' })
    await liveness.getByText('OK', { exact: true }).waitFor()
    await liveness.getByText('ok (sqlite)').waitFor()
    const readiness = page.getByRole('region', { name: 'Readiness (/ready)' })
    await readiness.getByText('OK', { exact: true }).waitFor()
    await readiness.getByText(/database: [\d.]+ ms/).waitFor()
    await page.getByLabel('Metrics token').fill('wrong-token')
    await page.getByRole('button', { name: 'Show the metrics' }).click()
    await page.getByText('The server refused this token').waitFor()
    await page.getByLabel('Metrics token').fill(METRICS_TOKEN)
    await page.getByRole('button', { name: 'Show the metrics' }).click()
    await page.getByRole('rowheader', { name: 'Requests answered' }).waitFor()
    await page.getByRole('rowheader', { name: 'Uptime' }).waitFor()
    await screenshot(page, 'admin-health')
  })

  it('works on a phone: the navigation is a drawer that closes after a choice', async () => {
    const phone = await openConsole(browser, server.url, PHONE)
    try {
      await signIn(phone.page, server.adminLogin, server.adminPassword)
      const nav = phone.page.getByRole('navigation', { name: 'Main' })
      const menu = phone.page.getByRole('button', { name: 'Menu' })
      expect(await menu.getAttribute('aria-expanded')).toBe('false')
      await menu.click()
      await nav.getByRole('link', { name: 'Messaging' }).waitFor({ state: 'visible' })
      expect(await menu.getAttribute('aria-expanded')).toBe('true')
      await screenshot(phone.page, 'admin-phone-navigation')
      await nav.getByRole('link', { name: 'Messaging' }).click()
      await expect.poll(() => focusedHeading(phone.page)).toBe('Messaging')
      await nav.getByRole('link', { name: 'Messaging' }).waitFor({ state: 'hidden' })
      expect(await menu.getAttribute('aria-expanded')).toBe('false')
      // Nothing wider than the screen: tables scroll inside their own containers.
      const width = await phone.page.evaluate(() => document.documentElement.scrollWidth)
      expect(width).toBeLessThanOrEqual(PHONE.width)
      await screenshot(phone.page, 'admin-phone-messaging')
      expect(phone.problems).toEqual([])
    } finally {
      await phone.context.close()
    }
  })

  it('says when the session has ended and leads back to the sign-in', async () => {
    // The admin's password changes elsewhere: every other session of the account ends.
    const token = await adminLogin()
    const me = await call<Record<string, unknown>>(server.url, 'GET', '/rest/v1/user/current', { token })
    const { authenticationTokens: _t, ...record } = me.body
    const changed = await call(server.url, 'PUT', '/rest/v1/user', {
      token,
      json: { ...record, password: 'a-new-admin-password' },
    })
    expect(changed.status, changed.text).toBe(200)

    await open('Users', 'Users').catch(() => undefined)
    const notice = page.getByRole('dialog', { name: 'Your session has ended' })
    await notice.waitFor()
    await screenshot(page, 'admin-session-ended')
    await notice.getByRole('button', { name: 'Sign in again' }).click()
    await page.getByLabel('Login or email').waitFor()
    await signIn(page, server.adminLogin, 'a-new-admin-password')
    await page.getByRole('heading', { name: 'Users' }).waitFor()
    expect(problems).toEqual([])
    await context.close()
  })
})

/**
 * A full-page screenshot taken from the top of the page: scrolled down (to a form), the fixed header
 * would be drawn in the middle of the picture.
 */
async function screenshot(page: Page, name: string): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0))
  await fullPage(page, name)
}

/** The text of the focused element (a heading, a link). */
function focusedText(page: Page): Promise<string | undefined> {
  return page.evaluate(() => document.activeElement?.textContent?.trim())
}

/**
 * The text of the focused element when it is a screen's heading (an H1 or H2 inside the main region),
 * else a description of what has the focus: a check that focus moved to the new screen's heading
 * cannot pass because the link just clicked (same text) kept it.
 */
function focusedHeading(page: Page): Promise<string | undefined> {
  return page.evaluate(() => {
    const el = document.activeElement
    const text = el?.textContent?.trim()
    const isHeading = el?.tagName === 'H1' || el?.tagName === 'H2'
    return isHeading && el.closest('#main-content')
      ? text
      : `not a heading of the main region: <${el?.tagName}> ${text}`
  })
}

/** The label of the focused form field. */
function focusedLabel(page: Page): Promise<string | undefined> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLInputElement | null
    return el?.labels?.[0]?.textContent?.trim()
  })
}
