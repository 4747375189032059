import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import {
  Address,
  CodingReference,
  Content,
  DataSample,
  HealthcareElement,
  NotificationTypeEnum,
  Patient,
  Telecom,
  keyPairUpdateRequestOf,
  medTechApi,
  type MedTechApi,
} from '@cairn/sdk'
import { disposeServer, startServer, type ServerProcess } from '../support/server-process.ts'
import { newHcp } from '../support/actors.ts'
import { startSmtpSink, type SmtpSink } from '../../packages/server/src/testing/smtp-sink.ts'
import { call } from '../access/http.ts'
import { PHONE, atPhoneSize, launchConsoleBrowser, openConsole, screenshot } from './console-browser.ts'
import {
  KEY_STEP_TIMEOUT,
  acceptInvitation,
  consoleInvitation,
  linkIn,
  signInWithoutKeys,
  skipRecoveryKey,
  takeRecoveryKey,
} from './keys-flows.ts'

/**
 * The patient's side of the console and both key-loss paths: a patient invited by its doctor accepts
 * in the console (key pair made in the browser, recovery key kept), asks for its data, and reads what
 * the doctor shares (with codes and dates) and who accessed it; on a new device it restores its keys
 * with the recovery key and reads the same records; on another, having lost everything, it creates a
 * new key: the records show as not readable until the doctor gives access back, then read again.
 */

const SPEC = 'console-patient'
const PASSWORD = 'a long patient passphrase'
const SAMPLE = 'The patient has fatigue'
const DIAGNOSIS = 'My diagnosis is that the patient has Hay Fever'

describe('console: the patient view, recovery key and lost key', () => {
  let smtp: SmtpSink
  let server: ServerProcess
  let browser: Browser
  let doctor: MedTechApi

  beforeAll(async () => {
    smtp = await startSmtpSink()
    server = await startServer({ env: { CAIRN_SMTP_URL: smtp.url, CAIRN_SMTP_FROM: 'cairn@example.org' } })
    browser = await launchConsoleBrowser()
    const admin = await call<{ token: string }>(server.url, 'POST', '/rest/v1/auth/login', {
      json: { username: server.adminLogin, password: server.adminPassword },
    })
    expect(admin.status, admin.text).toBe(200)
    const app = await call(server.url, 'PUT', `/rest/v1/msggw/application/${SPEC}`, {
      token: admin.body.token,
      json: { name: 'Cairn', captcha: 'none' },
    })
    expect(app.status, app.text).toBe(200)
    const hcp = await newHcp(server, 'family-doctor')
    doctor = await medTechApi(hcp.api).withMsgGwSpecId(SPEC).build()
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await disposeServer(server)
    await smtp?.close()
  })

  /** The doctor answers the pending request of `type` from the patient (as its own app would). */
  async function answer(
    type: string,
    act: (n: Parameters<typeof keyPairUpdateRequestOf>[0]) => Promise<void>,
  ) {
    await expect
      .poll(async () =>
        (await doctor.notificationApi.getPendingNotificationsAfter()).some((n) => n.type === type),
      )
      .toBe(true)
    const n = (await doctor.notificationApi.getPendingNotificationsAfter()).find((x) => x.type === type)!
    await act(n)
    await doctor.notificationApi.updateNotificationStatus(n, 'completed')
  }

  /** Goes to "My data", refreshes, and waits for the data sample's content (or its withheld notice). */
  async function myData(page: Page, expected: string): Promise<void> {
    // Through the fragment: on a phone the navigation sits in the menu drawer.
    await page.evaluate(() => (window.location.hash = '#/my-data'))
    await page.getByRole('heading', { name: 'My data', exact: true }).waitFor()
    await page.getByRole('button', { name: 'Refresh' }).click()
    await expect
      .poll(() => page.getByTestId('sample-content').allInnerTexts(), { timeout: KEY_STEP_TIMEOUT })
      .toContain(expected)
  }

  it('shows the shared records, restores with the recovery key, and recovers from a lost key', async () => {
    // The doctor's visit happens before the patient has an account (seed 004).
    const email = `hay-${Date.now()}@example.org`
    const patient = await doctor.patientApi.createOrModifyPatient(
      new Patient({
        firstName: 'Hay',
        lastName: 'Fever',
        dateOfBirth: 19810412,
        note: 'Allergic to birch pollen',
        addresses: [
          new Address({
            addressType: 'home',
            telecoms: [new Telecom({ telecomType: 'email', telecomNumber: email })],
          }),
        ],
      }),
    )
    const element = await doctor.healthcareElementApi.createOrModifyHealthcareElement(
      new HealthcareElement({
        description: DIAGNOSIS,
        openingDate: 20240312,
        codes: new Set([new CodingReference({ type: 'SNOMEDCT', code: '21719001', version: '20020131' })]),
      }),
      patient.id,
    )
    await doctor.dataSampleApi.createOrModifyDataSampleFor(
      patient.id!,
      new DataSample({
        valueDate: 20240312103000,
        content: { en: new Content({ stringValue: SAMPLE }) },
        codes: new Set([new CodingReference({ type: 'SNOMEDCT', code: '84229001', version: '20020131' })]),
        healthcareElementIds: new Set([element.id!]),
      }),
    )
    await doctor.userApi.createAndInviteUser(patient, consoleInvitation(server.url, patient, patient))
    const link = linkIn(await smtp.waitFor(email))

    // Device 1: the patient accepts, keeps its recovery key; accepting asked the doctor for its data.
    const first = await openConsole(browser, server.url)
    await first.page.goto(link)
    await acceptInvitation(first.page, PASSWORD)
    const code = await takeRecoveryKey(first.page)
    await answer(NotificationTypeEnum.NEW_USER_OWN_DATA_ACCESS, async () => {
      await doctor.patientApi.giveAccessToAllDataOf(patient.id!)
    })

    // "My data": decrypted in the page, with codes and dates.
    await myData(first.page, SAMPLE)
    const main = first.page.getByRole('main')
    await main.getByText(DIAGNOSIS).waitFor()
    await main.getByText('Allergic to birch pollen').waitFor()
    await main.getByText('SNOMEDCT 84229001').waitFor()
    await main.getByText('SNOMEDCT 21719001').waitFor()
    await main.getByText('2024-03-12 10:30').waitFor()
    expect(await main.getByText('Content not readable on this device').count()).toBe(0)
    await screenshot(first.page, 'keys-patient-my-data')
    await atPhoneSize(first.page)
    await screenshot(first.page, 'keys-patient-my-data-phone')
    await first.page.setViewportSize({ width: 1280, height: 720 })

    // "Who accessed my data": the doctor's reads and shares of the patient's records, by name.
    await first.page.getByRole('link', { name: 'Who accessed my data' }).click()
    const log = first.page.getByRole('table')
    await log.waitFor({ timeout: KEY_STEP_TIMEOUT })
    await expect.poll(() => log.getByText('family-doctor Test').count()).toBeGreaterThan(0)
    await expect.poll(() => log.getByText('shared').count()).toBeGreaterThan(0)
    await screenshot(first.page, 'keys-patient-access-log')
    expect(first.problems).toEqual([])
    await first.context.close()

    // Device 2: restored with the recovery key, the same records read at once.
    const second = await openConsole(browser, server.url)
    await signInWithoutKeys(second.page, email, PASSWORD)
    await second.page.getByLabel('Recovery key').fill(code)
    await second.page.getByRole('button', { name: 'Restore my keys' }).click()
    await second.page.getByRole('button', { name: 'Sign out' }).waitFor({ timeout: KEY_STEP_TIMEOUT })
    await myData(second.page, SAMPLE)
    expect(second.problems).toEqual([])
    await second.context.close()

    // Device 3: keys and recovery key lost. The console explains, then makes a new key on request.
    const third = await openConsole(browser, server.url, PHONE)
    await signInWithoutKeys(third.page, email, PASSWORD)
    await third.page.getByRole('button', { name: 'I lost my key: create a new one' }).click()
    const create = third.page.getByRole('button', { name: 'Create a new key pair' })
    expect(await create.isDisabled()).toBe(true)
    await third.page.getByLabel('I understand: I lost my keys and my recovery key').check()
    await screenshot(third.page, 'keys-lost-key-phone')
    await create.click()
    await third.page
      .getByRole('heading', { name: 'Your recovery key' })
      .waitFor({ timeout: KEY_STEP_TIMEOUT })
    await third.page.getByText('1 data owner(s) you share records with were asked').waitFor()
    await skipRecoveryKey(third.page)
    // What the doctor shared is listed, as not readable yet: never as an empty record.
    await myData(third.page, 'Data sample')
    await expect
      .poll(() => third.page.getByText('Content not readable on this device').count())
      .toBeGreaterThan(0)
    await screenshot(third.page, 'keys-patient-withheld-phone')

    // The doctor gives the new key access back (from its app: the SDK here), and the records read again.
    await answer(NotificationTypeEnum.KEY_PAIR_UPDATE, async (n) => {
      const request = keyPairUpdateRequestOf(n)!
      expect(request.dataOwnerConcernedId).toBe(patient.id)
      await doctor.dataOwnerApi.giveAccessBackTo(
        request.dataOwnerConcernedId,
        request.dataOwnerConcernedPubKey,
      )
    })
    await myData(third.page, SAMPLE)
    await third.page.getByRole('main').getByText(DIAGNOSIS).waitFor()
    expect(third.problems).toEqual([])
    await third.context.close()
  }, 150_000)
})
