import type { CaptchaType } from '@cairn/protocol'
import { AppError, badRequest } from '../http/app-error.ts'

/** Google's reCAPTCHA verification endpoint (CAIRN_RECAPTCHA_VERIFY_URL overrides it). */
export const DEFAULT_RECAPTCHA_VERIFY_URL = 'https://www.google.com/recaptcha/api/siteverify'
/** Friendly Captcha's verification endpoint (CAIRN_FRIENDLY_CAPTCHA_VERIFY_URL overrides it). */
export const DEFAULT_FRIENDLY_CAPTCHA_VERIFY_URL = 'https://api.friendlycaptcha.com/api/v1/siteverify'

/** The one answer of a captcha that does not verify (missing, wrong, expired, reused). */
export const CAPTCHA_FAILED = 'Captcha verification failed'

/** Longest wait for a provider's answer. */
const VERIFY_TIMEOUT_MS = 10_000

/** What an application says about its captcha. */
export interface CaptchaSettings {
  captcha: CaptchaType
  captchaSecret: string | null
  captchaSiteKey: string | null
}

/** Where problems of the provider or of the configuration are logged (never a secret or a response). */
export interface CaptchaLog {
  warn(details: Record<string, unknown>, message: string): void
}

/**
 * Checks the captcha a person solved before a process start, with the provider the application chose:
 * reCAPTCHA (`POST` form `secret`, `response`, `remoteip`) or Friendly Captcha v1 (`POST` JSON
 * `solution`, `secret`, `sitekey`), both answering JSON `{success}`. A captcha that does not verify is a
 * 400 (CAPTCHA_FAILED); a provider that cannot be reached, times out or fails (5xx) is a 503, so that the
 * person retries rather than being told its captcha was wrong. `none` checks nothing (development).
 */
export class CaptchaVerifier {
  constructor(
    private readonly urls: { recaptcha: string; friendlyCaptcha: string },
    private readonly log?: CaptchaLog,
    private readonly timeoutMs = VERIFY_TIMEOUT_MS,
  ) {}

  /** Resolves when the captcha verifies (or the application has none); throws the 400 or 503 otherwise. */
  async verify(
    settings: CaptchaSettings,
    response: string | undefined,
    clientAddress: string,
  ): Promise<void> {
    if (settings.captcha === 'none') return
    if (!response) throw badRequest(CAPTCHA_FAILED)
    if (!settings.captchaSecret) {
      // The admin API refuses such an application; one edited in the database gets here.
      this.log?.warn({ captcha: settings.captcha }, 'captcha required but no secret configured')
      throw unavailable()
    }
    const request: { url: string; init: { headers: Record<string, string>; body: string } } =
      settings.captcha === 'recaptcha'
        ? {
            url: this.urls.recaptcha,
            init: {
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
              body: new URLSearchParams({
                secret: settings.captchaSecret,
                response,
                remoteip: clientAddress,
              }).toString(),
            },
          }
        : {
            url: this.urls.friendlyCaptcha,
            init: {
              headers: { 'content-type': 'application/json', accept: 'application/json' },
              body: JSON.stringify({
                solution: response,
                secret: settings.captchaSecret,
                ...(settings.captchaSiteKey ? { sitekey: settings.captchaSiteKey } : {}),
              }),
            },
          }
    let res: Response
    try {
      res = await fetch(request.url, {
        method: 'POST',
        ...request.init,
        signal: AbortSignal.timeout(this.timeoutMs),
      })
    } catch (error) {
      this.log?.warn(
        { captcha: settings.captcha, cause: (error as Error)?.name ?? 'error' },
        'captcha provider unreachable',
      )
      throw unavailable()
    }
    const body = (await res.json().catch(() => undefined)) as { success?: unknown } | undefined
    if (res.status >= 500) {
      this.log?.warn({ captcha: settings.captcha, status: res.status }, 'captcha provider failed')
      throw unavailable()
    }
    if (res.ok && body?.success === true) return
    // 401/403: the provider refused the secret itself, which the operator must hear about.
    if (res.status === 401 || res.status === 403)
      this.log?.warn({ captcha: settings.captcha, status: res.status }, 'captcha provider refused the secret')
    throw badRequest(CAPTCHA_FAILED)
  }
}

/** The 503 of a provider that could not tell. */
function unavailable(): AppError {
  return new AppError('UNAVAILABLE', 'The captcha could not be verified right now: try again later', 5)
}
