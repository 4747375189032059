import type { ProcessStartBodyDto } from '@cairn/protocol'

/**
 * MedTech `AuthenticationProcessBody`: what `startAuthentication` sends to the message gateway — the
 * captcha answer (`g-recaptcha-response` or `friendly-captcha-response`), the names of a person
 * registering, `from` (the email or phone the code goes to), `email`, `mobilePhone`, and `hcpId` (the
 * professional responsible for a new patient).
 */
export type AuthenticationProcessBody = ProcessStartBodyDto
