/**
 * The captcha services accepted by `authenticationApi.startAuthentication`: Google reCAPTCHA (default) or
 * Friendly Captcha.
 */
export type RecaptchaType = 'recaptcha' | 'friendly-captcha'
