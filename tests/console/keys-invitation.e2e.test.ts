import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import {
  Address,
  HealthcareProfessional,
  MemoryStorage,
  Patient,
  SimpleMedTechCryptoStrategies,
  Telecom,
  medTechApi,
  type MedTechApi,
} from '@cairn/sdk'
import { formatRecoveryCode, randomBytes, RECOVERY_SECRET_BYTES } from '@cairn/crypto'
import { disposeServer, startServer, type ServerProcess } from '../support/server-process.ts'
import { startSmtpSink, type SmtpSink } from '../../packages/server/src/testing/smtp-sink.ts'
import { call } from '../access/http.ts'
import { launchConsoleBrowser, openConsole, screenshot, signIn } from './console-browser.ts'
import {
  KEY_STEP_TIMEOUT,
  acceptInvitation,
  consoleInvitation,
  linkIn,
  signInWithoutKeys,
  takeRecoveryKey,
} from './keys-flows.ts'

/**
 * A doctor invited by email accepts in the console: the key pair is made in the browser, a recovery
 * key is shown once, a password is set; the doctor signs out and in again (keys found in the browser);
 * then, on a new browser profile (a new device), restores the keys with the recovery key after a wrong
 * one was refused, without any new key being made.
 */

const SPEC = 'console-keys'
const PASSWORD = 'correct horse battery staple'

describe('console: a doctor accepts an invitation, keeps a recovery key, restores on a new device', () => {
  let smtp: SmtpSink
  let server: ServerProcess
  let browser: Browser
  let admin: MedTechApi

  /** The doctor's published public keys, as the server holds them. */
  const publishedKeys = async (id: string) => {
    const hcp = await admin.healthcareProfessionalApi.getHealthcareProfessional(id)
    return [...(hcp.systemMetaData?.publicKeysForOaepWithSha256 ?? [])]
  }

  beforeAll(async () => {
    smtp = await startSmtpSink()
    server = await startServer({ env: { CAIRN_SMTP_URL: smtp.url, CAIRN_SMTP_FROM: 'cairn@example.org' } })
    browser = await launchConsoleBrowser()
    const login = await call<{ token: string }>(server.url, 'POST', '/rest/v1/auth/login', {
      json: { username: server.adminLogin, password: server.adminPassword },
    })
    expect(login.status, login.text).toBe(200)
    const app = await call(server.url, 'PUT', `/rest/v1/msggw/application/${SPEC}`, {
      token: login.body.token,
      json: { name: 'Cairn', captcha: 'none' },
    })
    expect(app.status, app.text).toBe(200)
    admin = await medTechApi()
      .withICureBaseUrl(server.url)
      .withUserName(server.adminLogin)
      .withPassword(server.adminPassword)
      .withMsgGwSpecId(SPEC)
      .withStorage(new MemoryStorage())
      .withCryptoStrategies(new SimpleMedTechCryptoStrategies([]))
      .build()
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await disposeServer(server)
    await smtp?.close()
  })

  it('accepts, shows the recovery key once, signs in again, and restores on a new device', async () => {
    // The admin invites the doctor (as `cairn invite-hcp` does), with a link to the console.
    const email = `house-${Date.now()}@example.org`
    const hcp = await admin.healthcareProfessionalApi.createOrModifyHealthcareProfessional(
      new HealthcareProfessional({
        firstName: 'Gregory',
        lastName: 'House',
        addresses: [
          new Address({
            addressType: 'work',
            telecoms: [new Telecom({ telecomType: 'email', telecomNumber: email })],
          }),
        ],
      }),
    )
    const invited = await admin.userApi.createAndInviteUser(
      hcp,
      consoleInvitation(server.url, hcp, new Patient({ firstName: 'Gregory', lastName: 'House' })),
    )
    const link = linkIn(await smtp.waitFor(email))
    expect(link.startsWith(`${server.url}/#/accept-invitation?`)).toBe(true)
    expect(await publishedKeys(hcp.id!)).toHaveLength(0)

    // Device 1: the link opens the acceptance screen, which removes the token from the address bar.
    const first = await openConsole(browser, server.url)
    await first.page.goto(link)
    await first.page.getByRole('heading', { name: 'Accept your invitation' }).waitFor()
    await expect.poll(() => first.page.getByText(email).count()).toBeGreaterThan(0)
    expect(first.page.url()).not.toContain('token=')
    await screenshot(first.page, 'keys-accept-invitation')

    // A password the console refuses costs nothing: the token is not spent.
    await first.page.getByLabel('New password', { exact: false }).first().fill('short')
    await first.page.getByLabel('Repeat the password').fill('short')
    await first.page.getByRole('button', { name: 'Accept and create my key pair' }).click()
    await first.page.getByRole('alert').filter({ hasText: 'at least 12 characters' }).waitFor()

    await acceptInvitation(first.page, PASSWORD)
    // The key pair was made in the browser and its public key published; no private key reached the server.
    const keys = await publishedKeys(hcp.id!)
    expect(keys).toHaveLength(1)
    await screenshot(first.page, 'keys-recovery-key-offer')
    const code = await takeRecoveryKey(first.page, () => screenshot(first.page, 'keys-recovery-key-shown'))
    expect(first.problems).toEqual([])

    // The server holds the recovery data (the code itself never left the page but on screen).
    const doctor = await medTechApi()
      .withICureBaseUrl(server.url)
      .withUserName(email)
      .withPassword(PASSWORD)
      .withStorage(new MemoryStorage())
      .withRecoveryKey(code)
      .withCryptoStrategies(new SimpleMedTechCryptoStrategies([]))
      .build()
    const status = await doctor.cryptoApi.getRecoveryKeyStatus()
    expect(status.exists).toBe(true)
    expect(status.missingFingerprints).toEqual([])
    await doctor.logout()

    // Sign out, then in again with the password: the keys are found in this browser, nothing is asked.
    await first.page.getByRole('button', { name: 'Sign out' }).click()
    await signIn(first.page, email, PASSWORD)
    // An invitation link pasted while signed in leaves the address bar at once; the session goes on.
    await first.page.evaluate(() => {
      window.location.hash = '#/accept-invitation?login=someone&token=not-for-this-session'
    })
    await expect.poll(() => first.page.url()).not.toContain('token=')
    await first.page.getByRole('button', { name: 'Sign out' }).waitFor()
    expect(first.problems).toEqual([])
    await first.context.close()

    // Device 2 (a fresh profile): the keys are not there; the console asks instead of making new ones.
    const second = await openConsole(browser, server.url)
    await signInWithoutKeys(second.page, email, PASSWORD)
    await screenshot(second.page, 'keys-restore')
    const wrong = await formatRecoveryCode(randomBytes(RECOVERY_SECRET_BYTES))
    await second.page.getByLabel('Recovery key').fill(wrong)
    await second.page.getByRole('button', { name: 'Restore my keys' }).click()
    await second.page
      .getByRole('alert')
      .filter({ hasText: 'This recovery key does not open your keys' })
      .waitFor({ timeout: KEY_STEP_TIMEOUT })
    await second.page.getByLabel('Recovery key').fill(code.toLowerCase().replace(/-/g, ' '))
    await second.page.getByRole('button', { name: 'Restore my keys' }).click()
    await second.page.getByRole('button', { name: 'Sign out' }).waitFor({ timeout: KEY_STEP_TIMEOUT })
    // Restored, not replaced: still the one key made on device 1.
    expect(await publishedKeys(hcp.id!)).toEqual(keys)
    expect(second.problems).toEqual([])
    await second.context.close()

    // A new user for this data owner, which has keys (its user was deleted, then invited again): the
    // token sets the password only, then the keys are restored with the recovery key, none is made.
    await admin.userApi.deleteUser(invited.id!)
    await admin.userApi.createAndInviteUser(
      hcp,
      consoleInvitation(server.url, hcp, new Patient({ firstName: 'Gregory', lastName: 'House' })),
    )
    const again = linkIn(await smtp.waitFor(email, (m) => linkIn(m) !== link))
    const third = await openConsole(browser, server.url)
    await third.page.goto(again)
    await third.page.getByLabel('New password', { exact: false }).first().fill(`${PASSWORD} 2`)
    await third.page.getByLabel('Repeat the password').fill(`${PASSWORD} 2`)
    await third.page.getByRole('button', { name: 'Accept and create my key pair' }).click()
    await third.page
      .getByRole('heading', { name: 'Your keys are not in this browser' })
      .waitFor({ timeout: KEY_STEP_TIMEOUT })
    await third.page.getByLabel('Recovery key').fill(code)
    await third.page.getByRole('button', { name: 'Restore my keys' }).click()
    await third.page.getByRole('button', { name: 'Sign out' }).waitFor({ timeout: KEY_STEP_TIMEOUT })
    expect(await publishedKeys(hcp.id!)).toEqual(keys)
    expect(third.problems).toEqual([])
    await third.context.close()
  }, 120_000)
})
