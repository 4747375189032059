import { expect } from 'vitest'
import type { Page } from 'playwright-core'
import type { EmailMessage, EmailMessageFactory, HealthcareProfessional, Patient, User } from '@cairn/sdk'
import type { ReceivedMail } from '../../packages/server/src/testing/smtp-sink.ts'
import { invitationLink } from '../../packages/console/src/session/invitation-link.ts'

// Browser steps of the console's key screens (session/*), shared by the keys-* tests and usable by
// any console test whose data owner makes its keys in the browser.

/** Long steps (RSA key generation in the page, a sign-in that opens keys) get this long. */
export const KEY_STEP_TIMEOUT = 60_000

/**
 * An invitation email whose link opens the console's acceptance screen (what the console's own
 * invitations send): the login and the token placeholder in the link's fragment.
 */
export function consoleInvitation(
  origin: string,
  dataOwner: HealthcareProfessional | Patient,
  patient: Patient,
): EmailMessageFactory {
  return {
    dataOwner,
    link: `${origin}/`,
    patient,
    get: (recipient: User, token: string): EmailMessage => ({
      subject: 'You have been invited to use Cairn',
      html: `<p><a href="${invitationLink(origin, recipient.login ?? '', token)}">Accept the invitation</a></p>`,
    }),
  }
}

/** The acceptance link of an invitation email. */
export function linkIn(mail: ReceivedMail): string {
  const href = /href="([^"]+)"/.exec(mail.html)?.[1]
  expect(href, mail.html).toBeTruthy()
  return href!.replace(/&amp;/g, '&')
}

/**
 * On the acceptance screen: chooses `password`, accepts (the key pair is made in the page) and waits
 * for the recovery key offer.
 */
export async function acceptInvitation(page: Page, password: string): Promise<void> {
  await page.getByLabel('New password', { exact: false }).first().fill(password)
  await page.getByLabel('Repeat the password').fill(password)
  await page.getByRole('button', { name: 'Accept and create my key pair' }).click()
  await page.getByRole('heading', { name: 'Your recovery key' }).waitFor({ timeout: KEY_STEP_TIMEOUT })
}

/** On the recovery key offer: creates the key, returns its code, confirms it is written down and goes on. */
export async function takeRecoveryKey(page: Page, beforeContinue?: () => Promise<unknown>): Promise<string> {
  await page.getByRole('button', { name: 'Create my recovery key' }).click()
  const shown = page.getByTestId('recovery-key')
  await shown.waitFor({ timeout: KEY_STEP_TIMEOUT })
  const code = (await shown.locator('li').allInnerTexts()).map((g) => g.trim()).join('-')
  expect(code).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4})+$/)
  await beforeContinue?.()
  // Continue stays disabled until the person says the key is written down.
  await expect.poll(() => page.getByRole('button', { name: 'Continue' }).isDisabled()).toBe(true)
  await page.getByLabel('I have written down my recovery key').check()
  await page.getByRole('button', { name: 'Continue' }).click()
  await page.getByRole('button', { name: 'Sign out' }).waitFor({ timeout: KEY_STEP_TIMEOUT })
  return code
}

/** On the recovery key offer: skips it, through its warning. */
export async function skipRecoveryKey(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Skip', exact: true }).click()
  await page.getByRole('alert').filter({ hasText: 'Continue without a recovery key?' }).waitFor()
  await page.getByRole('button', { name: 'Skip without a recovery key' }).click()
  await page.getByRole('button', { name: 'Sign out' }).waitFor({ timeout: KEY_STEP_TIMEOUT })
}

/**
 * Fills the sign-in form of a data owner whose keys are not in this browser and waits for the screen
 * that asks how to get them back.
 */
export async function signInWithoutKeys(page: Page, login: string, password: string): Promise<void> {
  await page.getByLabel('Login or email').fill(login)
  await page.locator('input[type=password]').first().fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  const heading = page.getByRole('heading', { name: 'Your keys are not in this browser' })
  const alert = page.getByRole('alert')
  await heading.or(alert).first().waitFor({ timeout: KEY_STEP_TIMEOUT })
  // A failed sign-in says why, instead of a timeout.
  if (!(await heading.isVisible())) throw new Error(`sign-in failed: ${await alert.first().innerText()}`)
}
