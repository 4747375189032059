import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import {
  Address,
  HealthcareProfessional,
  MemoryStorage,
  Patient,
  SimpleMedTechCryptoStrategies,
  Telecom,
  medTechApi,
} from '@cairn/sdk'
import { disposeServer, startServer, type ServerProcess } from '../support/server-process.ts'
import { newHcp, type Actor } from '../support/actors.ts'
import { startSmtpSink, type SmtpSink } from '../../packages/server/src/testing/smtp-sink.ts'
import { call } from '../access/http.ts'
import { atPhoneSize, launchConsoleBrowser, openConsole, screenshot } from './console-browser.ts'
import {
  KEY_STEP_TIMEOUT,
  acceptInvitation,
  consoleInvitation,
  linkIn,
  signInWithoutKeys,
  skipRecoveryKey,
} from './keys-flows.ts'

/**
 * Seed 004 through the web console (issue 13): a doctor accepts its invitation in the console (its key
 * pair is made in its browser), creates a patient, records the visit (a data sample and the diagnosis
 * as a healthcare element, with their codes), finds patients by name page by page, shares the record
 * with a colleague, and invites the patient, whose email goes out through a real SMTP server. The
 * patient accepts in its own browser profile, which asks for its data (NEW_USER_OWN_DATA_ACCESS); the
 * doctor's inbox shows it and "Share all data" shares everything; the patient then reads the visit in
 * its own view. The doctor reads who accessed the visit, gives access back to the patient's new key
 * after the patient lost its own; on a new device where it lost its key, the
 * patient's content says it is not readable there instead of showing blanks. Screenshots of each main screen go to
 * test-artifacts/console (the access log also at phone size).
 */

const SPEC = 'console-app'
const PASSWORD = 'correct horse battery staple'
const WAIT = { timeout: 30_000 }

describe('web console: the doctor (seed 004 story)', () => {
  let smtp: SmtpSink
  let server: ServerProcess
  let browser: Browser
  let colleague: Actor

  beforeAll(async () => {
    smtp = await startSmtpSink()
    server = await startServer({ env: { CAIRN_SMTP_URL: smtp.url, CAIRN_SMTP_FROM: 'cairn@example.org' } })
    const admin = await call<{ token: string }>(server.url, 'POST', '/rest/v1/auth/login', {
      json: { username: server.adminLogin, password: server.adminPassword },
    })
    expect(admin.status, admin.text).toBe(200)
    const app = await call(server.url, 'PUT', `/rest/v1/msggw/application/${SPEC}`, {
      token: admin.body.token,
      json: { name: 'Cairn', captcha: 'none' },
    })
    expect(app.status, app.text).toBe(200)
    colleague = await newHcp(server, 'Cuddy')
    browser = await launchConsoleBrowser()
  }, 60_000)

  /** The pages of the test, screenshotted when it fails (test-artifacts/console/doctor-failure-*). */
  const pages: Page[] = []
  afterEach(async (context) => {
    if (context.task.result?.state === 'fail')
      for (const [i, p] of pages.entries())
        await screenshot(p, `doctor-failure-${i + 1}`).catch(() => undefined)
  })

  afterAll(async () => {
    await browser?.close()
    await disposeServer(server)
    await smtp?.close()
  })

  /** The admin invites a doctor by email, with a link to the console (as the admin console does). */
  async function inviteDoctor(email: string): Promise<string> {
    const adminApi = await medTechApi()
      .withICureBaseUrl(server.url)
      .withUserName(server.adminLogin)
      .withPassword(server.adminPassword)
      .withMsgGwSpecId(SPEC)
      .withStorage(new MemoryStorage())
      .withCryptoStrategies(new SimpleMedTechCryptoStrategies([]))
      .build()
    const hcp = await adminApi.healthcareProfessionalApi.createOrModifyHealthcareProfessional(
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
    await adminApi.userApi.createAndInviteUser(
      hcp,
      consoleInvitation(server.url, hcp, new Patient({ firstName: 'Gregory' })),
    )
    return hcp.id!
  }

  /** Goes to a screen through the main navigation (opening the menu first on a phone). */
  async function nav(page: Page, name: string): Promise<void> {
    const menu = page.getByRole('button', { name: 'Menu' })
    if (await menu.isVisible()) await menu.click()
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name }).click()
  }

  it('invites, records a visit, shares, answers the patient and shows the access log', async () => {
    const doctorEmail = `house-${Date.now()}@example.org`
    const patientEmail = `hay.fever-${Date.now()}@example.org`
    const doctorId = await inviteDoctor(doctorEmail)

    // The doctor accepts its invitation in its browser: its key pair is made there.
    const doctor = await openConsole(browser, server.url)
    pages.push(doctor.page)
    const page = doctor.page
    await page.goto(linkIn(await smtp.waitFor(doctorEmail)))
    await acceptInvitation(page, PASSWORD)
    await skipRecoveryKey(page)
    await page.getByRole('heading', { name: 'Patients' }).waitFor(WAIT)

    // A colleague shares eleven patients with it (more than a page of the list), from its own app while
    // the doctor works: awaited before the list is read.
    const referrals = Promise.all(
      Array.from({ length: 11 }, async (_, i) => {
        const p = await colleague.api.patientApi.createOrModifyPatient(
          new Patient({ firstName: `Referral${String(i + 1).padStart(2, '0')}`, lastName: 'Smith' }),
        )
        await colleague.api.patientApi.giveAccessTo(p, doctorId)
      }),
    )

    // It creates its patient.
    await page.getByRole('link', { name: 'New patient' }).click()
    await page.getByLabel('First name').fill('Hay')
    await page.getByLabel('Last name').fill('Fever')
    await page.getByLabel('Date of birth').fill('1990-04-12')
    await page.getByLabel('Gender').selectOption('female')
    await page.getByLabel('Email').fill(patientEmail)
    await page.getByLabel('Note').fill('Seen at the practice on Monday')
    await page.getByRole('button', { name: 'Save' }).click()
    await page.getByRole('heading', { name: 'Fever Hay' }).waitFor(WAIT)
    const patientId = decodeURIComponent(/#\/patients\/([^/]+)$/.exec(page.url())![1])

    // The diagnosis (a healthcare element with its SNOMED CT code)...
    await page.getByRole('link', { name: 'New healthcare element' }).click()
    await page.getByLabel('Description').fill('My diagnosis is that the patient has Hay Fever')
    await page.getByRole('button', { name: 'Add a code' }).click()
    await page.getByLabel('Code system 1').fill('SNOMEDCT')
    await page.getByLabel('Code 1', { exact: true }).fill('21719001')
    await page.getByLabel('Version 1').fill('20020131')
    await page.getByRole('button', { name: 'Save' }).click()
    await page.getByText('My diagnosis is that the patient has Hay Fever').waitFor(WAIT)

    // ...and the visit: "record a visit" makes a data sample linked to it.
    await page.getByRole('link', { name: 'Record a visit' }).click()
    await page.getByRole('heading', { name: 'Record a visit' }).waitFor(WAIT)
    await page.getByRole('textbox', { name: 'Content' }).fill('The patient has fatigue')
    await page.getByRole('button', { name: 'Add a code' }).click()
    await page.getByLabel('Code system 1').fill('SNOMEDCT')
    await page.getByLabel('Code 1', { exact: true }).fill('84229001')
    await page.getByLabel('My diagnosis is that the patient has Hay Fever').check()
    await screenshot(page, 'doctor-sample-form')
    await page.getByRole('button', { name: 'Save' }).click()
    await page.getByText('The patient has fatigue').waitFor(WAIT)
    await expect.poll(() => page.getByText('SNOMEDCT 84229001').count()).toBe(1)
    await expect.poll(() => page.getByText('SNOMEDCT 21719001').count()).toBe(1)
    await screenshot(page, 'doctor-patient-page')

    // A measurement through the same form, with a LOINC preset.
    await page.getByRole('link', { name: 'Record a visit' }).click()
    await page.getByRole('button', { name: 'Heart rate' }).click()
    await page.getByLabel('Value').fill('72')
    await page.getByRole('button', { name: 'Save' }).click()
    await page.getByText('72 /min').waitFor(WAIT)
    await expect.poll(() => page.getByText('LOINC 8867-4').count()).toBe(1)

    // Editing the patient keeps what was there.
    await page.getByRole('link', { name: 'Edit', exact: true }).click()
    await page.getByLabel('Note').fill('Seen at the practice on Monday; allergic to pollen')
    await page.getByRole('button', { name: 'Save' }).click()
    await page.getByText('Seen at the practice on Monday; allergic to pollen').waitFor(WAIT)

    // The patients list: twelve patients, ten per page, and the search by name.
    await referrals
    await nav(page, 'Patients')
    await page.getByText('1–10 of 12').waitFor(WAIT)
    await screenshot(page, 'doctor-patients')
    await page.getByRole('button', { name: 'Next page' }).click()
    await page.getByText('11–12 of 12').waitFor(WAIT)
    await page.getByRole('button', { name: 'Previous page' }).click()
    await page.getByText('1–10 of 12').waitFor(WAIT)
    await page.getByLabel('Search by name').fill('fev')
    await page.getByRole('button', { name: 'Search' }).click()
    await page.getByText('1–1 of 1').waitFor(WAIT)
    await page.getByRole('link', { name: 'Fever Hay' }).click()
    await page.getByRole('heading', { name: 'Fever Hay' }).waitFor(WAIT)

    // Sharing with the colleague, found by name.
    await page.getByRole('button', { name: 'Share…' }).click()
    const dialog = page.getByRole('dialog')
    await dialog.getByLabel("Colleague's name").fill('cuddy')
    await dialog.getByRole('button', { name: 'Find' }).click()
    await dialog.getByRole('radio', { name: /Cuddy/ }).check()
    await dialog.getByRole('button', { name: 'Share', exact: true }).click()
    await dialog.getByText('Shared 4 of 4 records').waitFor(WAIT)
    await screenshot(page, 'doctor-share-dialog')
    await dialog.getByRole('button', { name: 'Close', exact: true }).click()
    // The colleague reads what was shared: decrypted by its own keys.
    const shared = await colleague.api.patientApi.getPatient(patientId)
    expect(shared.note).toBe('Seen at the practice on Monday; allergic to pollen')
    const colleagueSamples = await colleague.api.dataSampleApi.getDataSamplesForPatient(shared)
    expect(colleagueSamples.map((s) => s.content.en?.stringValue)).toContain('The patient has fatigue')

    // Inviting the patient: the application is entered once; the email goes through SMTP.
    await page.getByRole('button', { name: 'Invite to the console…' }).click()
    await dialog.getByLabel('Application (spec id)').fill(SPEC)
    await dialog.getByRole('button', { name: 'Send invitation' }).click()
    await dialog.getByText(`The invitation was sent to ${patientEmail}.`).waitFor(WAIT)
    await dialog.getByRole('button', { name: 'Close', exact: true }).click()
    const invitation = await smtp.waitFor(patientEmail)
    expect(invitation.subject).toBe('You have been invited to use Cairn')
    expect(invitation.html).toContain('Gregory House invited you')

    // The patient accepts in its own browser: its keys are made there, and it asks for its data.
    const patient = await openConsole(browser, server.url)
    pages.push(patient.page)
    await patient.page.goto(linkIn(invitation))
    await acceptInvitation(patient.page, PASSWORD)
    await skipRecoveryKey(patient.page)

    // The doctor's inbox shows the request; "Share all data" answers it.
    await nav(page, 'Notifications')
    const request = page
      .getByRole('list', { name: 'Pending notifications' })
      .getByRole('listitem')
      .filter({ hasText: 'Fever Hay (patient) asks for access to their own data' })
    await request.waitFor(WAIT)
    await screenshot(page, 'doctor-inbox')
    await request.getByRole('button', { name: 'Share all data' }).click()
    await page.getByText('Nothing pending.').waitFor({ timeout: KEY_STEP_TIMEOUT })
    await page
      .getByRole('list', { name: 'Handled notifications' })
      .getByText('completed')
      .first()
      .waitFor(WAIT)
    await screenshot(page, 'doctor-inbox-answered')

    // The patient reads the visit in its own view.
    await patient.page.getByRole('button', { name: 'Refresh' }).click()
    await patient.page.getByText('The patient has fatigue').waitFor(WAIT)
    await patient.page.getByText('My diagnosis is that the patient has Hay Fever').waitFor(WAIT)

    // Who accessed the visit: the doctor created it, the colleague and the patient read it.
    await nav(page, 'Patients')
    await page.getByLabel('Search by name').fill('hay')
    await page.getByRole('button', { name: 'Search' }).click()
    await page.getByRole('link', { name: 'Fever Hay' }).click()
    await page
      .getByRole('link', { name: /^Who accessed data sample/ })
      .last()
      .click()
    const log = page.getByRole('table', { name: 'Access log of the record' })
    await log.getByRole('row').filter({ hasText: 'You' }).filter({ hasText: 'created it' }).waitFor(WAIT)
    await log.getByRole('row').filter({ hasText: 'Fever Hay (patient)' }).first().waitFor(WAIT)
    await log
      .getByRole('row')
      .filter({ hasText: /Cuddy .*\(professional\)/ })
      .first()
      .waitFor(WAIT)
    await screenshot(page, 'doctor-access-log')
    await atPhoneSize(page)
    await screenshot(page, 'doctor-access-log-phone')
    await nav(page, 'Patients')
    await page.getByText('1–10 of 12').waitFor(WAIT)
    await screenshot(page, 'doctor-patients-phone')

    // The patient loses its key: on a new device it makes a new key pair, which asks the doctor for
    // access back (KEY_PAIR_UPDATE); "Give access back" answers it and the patient reads the visit again.
    const patientDevice = await openConsole(browser, server.url)
    pages.push(patientDevice.page)
    await signInWithoutKeys(patientDevice.page, patientEmail, PASSWORD)
    await patientDevice.page.getByRole('button', { name: 'I lost my key: create a new one' }).click()
    await patientDevice.page.getByLabel('I understand: I lost my keys and my recovery key').check()
    await patientDevice.page.getByRole('button', { name: 'Create a new key pair' }).click()
    await patientDevice.page
      .getByRole('heading', { name: 'Your recovery key' })
      .waitFor({ timeout: KEY_STEP_TIMEOUT })
    await skipRecoveryKey(patientDevice.page)
    await page.setViewportSize({ width: 1280, height: 720 })
    await nav(page, 'Notifications')
    const keyRequest = page
      .getByRole('list', { name: 'Pending notifications' })
      .getByRole('listitem')
      .filter({ hasText: 'Fever Hay (patient) has a new key and asks for access back' })
    await keyRequest.waitFor(WAIT)
    // The new key's full fingerprint is shown, to compare with the patient's; "Give access back" waits
    // for the doctor to say it did.
    const giveBack = keyRequest.getByRole('button', { name: 'Give access back' })
    expect(await giveBack.isDisabled()).toBe(true)
    const shown = (await keyRequest.getByTestId('key-fingerprint').textContent())!.trim()
    expect(shown).toMatch(/^[0-9a-f]{4}( [0-9a-f]{4}){7}$/)
    const published = await colleague.api.dataOwnerApi.getFingerprints(patientId)
    expect(published.map((k) => k.fingerprint)).toContain(shown.replaceAll(' ', ''))
    await screenshot(page, 'doctor-inbox-key-request')
    await keyRequest.getByLabel("I compared this fingerprint with Fever Hay (patient)'s").check()
    await giveBack.click()
    await page.getByText('Nothing pending.').waitFor({ timeout: KEY_STEP_TIMEOUT })
    await patientDevice.page.getByRole('button', { name: 'Refresh' }).click()
    await patientDevice.page.getByText('The patient has fatigue').waitFor(WAIT)

    // On a new device without its keys (and without a recovery key), the doctor makes a new key pair:
    // the patient it created is still listed, by its name in clear, and says its content is not
    // readable here instead of showing blanks.
    const newDevice = await openConsole(browser, server.url)
    pages.push(newDevice.page)
    await signInWithoutKeys(newDevice.page, doctorEmail, PASSWORD)
    await newDevice.page.getByRole('button', { name: 'I lost my key: create a new one' }).click()
    await newDevice.page.getByLabel('I understand: I lost my keys and my recovery key').check()
    await newDevice.page.getByRole('button', { name: 'Create a new key pair' }).click()
    await newDevice.page
      .getByRole('heading', { name: 'Your recovery key' })
      .waitFor({ timeout: KEY_STEP_TIMEOUT })
    await skipRecoveryKey(newDevice.page)
    await newDevice.page.getByLabel('Search by name').fill('hay')
    await newDevice.page.getByRole('button', { name: 'Search' }).click()
    const row = newDevice.page.getByRole('row').filter({ hasText: 'Fever Hay' })
    await row.getByText('Content not readable on this device').waitFor(WAIT)
    await row.getByRole('link', { name: 'Fever Hay' }).click()
    await newDevice.page.getByText('Content not readable on this device').first().waitFor(WAIT)
    await newDevice.page.getByRole('button', { name: 'Share…' }).waitFor({ state: 'detached' })
    await screenshot(newDevice.page, 'doctor-patient-not-readable')

    expect(doctor.problems).toEqual([])
    expect(patient.problems).toEqual([])
    expect(newDevice.problems).toEqual([])
    expect(patientDevice.problems).toEqual([])
    await doctor.context.close()
    await patient.context.close()
    await newDevice.context.close()
    await patientDevice.context.close()
  }, 180_000)
})
