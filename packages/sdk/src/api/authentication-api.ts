import { SdkError } from '../http/sdk-error.ts'
import type { MsgGwClient } from '../http/msg-gw-client.ts'
import { validateMobilePhone } from '../util/sanitizer.ts'
import { validateEmail } from '../util/validate-email.ts'
import {
  AuthenticationProcess,
  AuthenticationResult,
  Notification,
  NotificationTypeEnum,
  type RecaptchaType,
  type User,
} from '../models/index.ts'
import type { AuthenticationProcessBody } from '../messaging/authentication-process-body.ts'
import { loginWithSecret, type LoginSettings } from './login-with-secret.ts'
import type { MedTechApi } from './medtech-api.ts'

/** What an AuthenticationApi works with: the gateway, its processes, and how to build the user's API. */
export interface AuthenticationSettings extends LoginSettings {
  authProcessByEmailId?: string
  authProcessBySmsId?: string
}

const NO_RECIPIENT =
  'In order to start authentication of a user, you should at least provide its email OR its phone number'
const NO_PROCESS =
  'In order to start a user authentication with an email, you need to instantiate the API with a authProcessByEmailId. If you want to start the authentication with a phone number, then you need to instantiate the API with a authProcessBySmsId'

/**
 * MedTech `AuthenticationApi` (medtech-api.md §5): sign-up and login by a code sent by email or SMS
 * (`startAuthentication`, then `completeAuthentication` with the code the person received), and the
 * first login of an invited user (`authenticateAndAskAccessToItsExistingData`). Either way the user's
 * key pair is made on this device at its first login, and the result carries a 10-year token to log
 * in again later.
 */
export class AuthenticationApi {
  /** @internal */
  constructor(
    private readonly gateway: MsgGwClient,
    private readonly settings: AuthenticationSettings,
  ) {}

  /**
   * Asks the message gateway to send a validation code to `email` (through the email process) or else
   * to `phoneNumber` (the SMS process), for a registration (with the person's names and, for a patient,
   * the professional responsible for it) or a login. `recaptcha` is the captcha answer of the kind
   * `recaptchaType`. The server answers the same whether or not an account exists. Returns the process
   * to complete with the code. `validationCodeLength` (6 to 12 digits) defaults to the process's length
   * (6 unless the admin chose another; MedTech always asked for 6).
   */
  async startAuthentication(
    recaptcha: string,
    email?: string,
    phoneNumber?: string,
    firstName = '',
    lastName = '',
    healthcareProfessionalId = '',
    bypassTokenCheck = false,
    validationCodeLength?: number,
    recaptchaType: RecaptchaType = 'recaptcha',
  ): Promise<AuthenticationProcess> {
    if (!email && !phoneNumber) throw new SdkError('BAD_REQUEST', NO_RECIPIENT)
    const { authProcessByEmailId, authProcessBySmsId } = this.settings
    if ((email && !authProcessByEmailId) || (phoneNumber && !authProcessBySmsId))
      throw new SdkError('BAD_REQUEST', NO_PROCESS)
    // An empty email counts as none (MedTech validated '' as an email when a phone was given).
    const processId = email ? authProcessByEmailId! : authProcessBySmsId!
    const from = email ? validateEmail(email) : validateMobilePhone(phoneNumber!)
    const requestId = (this.settings.crypto ?? globalThis.crypto).randomUUID()
    const body: AuthenticationProcessBody = {
      'g-recaptcha-response': recaptchaType === 'recaptcha' ? recaptcha : undefined,
      'friendly-captcha-response': recaptchaType === 'friendly-captcha' ? recaptcha : undefined,
      firstName,
      lastName,
      from,
      email,
      mobilePhone: phoneNumber,
      hcpId: healthcareProfessionalId,
    }
    await this.gateway.startProcess(processId, requestId, body, validationCodeLength)
    return new AuthenticationProcess({ requestId, login: (email || phoneNumber)!, bypassTokenCheck })
  }

  /**
   * Completes a process with the code the person received: the gateway checks it (a registration then
   * creates the user and its data owner), then the SDK logs in once with the code as the password
   * (which consumes it), makes or loads the data owner's key pair on this device, creates a 10-year
   * token and logs in with it. Rejects with the server's answer for a wrong, expired or used code.
   */
  async completeAuthentication(
    process: AuthenticationProcess,
    validationCode: string,
  ): Promise<AuthenticationResult> {
    try {
      await this.gateway.validate(process.requestId, validationCode)
    } catch (e) {
      if (!process.bypassTokenCheck) throw e
    }
    const { api, user, token } = await loginWithSecret(this.settings, process.login, validationCode)
    return this.resultOf(api, user, token)
  }

  /**
   * The first login of an invited user with the token of its invitation (single use): makes its key
   * pair on this device, creates a 10-year token, and, for a patient, asks every other data owner with
   * access to its record for its existing data (one NEW_USER_OWN_DATA_ACCESS notification each, answered
   * with `patientApi.giveAccessToAllDataOf`). A professional or a device is checked to exist.
   */
  async authenticateAndAskAccessToItsExistingData(
    userLogin: string,
    shortLivedToken: string,
  ): Promise<AuthenticationResult> {
    const { api, user: first, token } = await loginWithSecret(this.settings, userLogin, shortLivedToken)
    const user = await api.userApi.getLoggedUser().catch(() => undefined)
    if (!user?.id)
      throw new SdkError(
        'UNAUTHORIZED',
        'There is no user currently logged in. You must call this method from an authenticated MedTechApi',
      )
    if (user.patientId) await this.askAccessToOwnData(api, user, user.patientId)
    else if (user.healthcarePartyId)
      await exists(
        api.healthcareProfessionalApi.getHealthcareProfessional(user.healthcarePartyId),
        `Impossible to find the healthcare party ${user.healthcarePartyId} apparently linked to user ${user.id}. Are you sure this healthcarePartyId is correct ?`,
      )
    else if (user.deviceId)
      await exists(
        api.medicalDeviceApi.getMedicalDevice(user.deviceId),
        `Impossible to find the device ${user.deviceId} apparently linked to user ${user.id}. Are you sure this deviceId is correct ?`,
      )
    else
      throw new SdkError(
        'FORBIDDEN',
        `User with id ${user.id} is not a Data Owner. To be a Data Owner, your user needs to have either patientId, healthcarePartyId or deviceId filled in`,
      )
    return this.resultOf(api, first, token)
  }

  /** A safe summary for logs and JSON: the gateway and application, nothing of the keys or storage. */
  toJSON(): { msgGwUrl: string; specId: string } {
    return { msgGwUrl: this.gateway.msgGwUrl, specId: this.gateway.specId }
  }

  /** What `console.log` / `util.inspect` show in Node.js: the safe summary of {@link toJSON}. */
  [Symbol.for('nodejs.util.inspect.custom')](
    _depth: number,
    options: object,
    inspect?: (value: unknown, options: object) => string,
  ): unknown {
    return inspect ? `AuthenticationApi ${inspect(this.toJSON(), options)}` : this.toJSON()
  }

  /**
   * One NEW_USER_OWN_DATA_ACCESS notification for each data owner with access to the patient's record
   * but the patient itself, shared with that data owner only. One that cannot be created is reported in
   * a warning, not thrown: the invitation token is spent, and the user must get its result.
   */
  private async askAccessToOwnData(api: MedTechApi, user: User, patientId: string): Promise<void> {
    const patient = await exists(
      api.patientApi.getPatientAndTryDecrypt(patientId),
      `Impossible to find the patient ${patientId} apparently linked to the user ${user.id}. Are you sure this patientId is correct ?`,
    )
    const access = await api.cryptoApi.entities.getDataOwnersWithAccessTo(patient)
    for (const delegate of Object.keys(access.permissionsByDataOwnerId)) {
      if (delegate === patientId) continue
      try {
        await api.notificationApi.createFor(
          new Notification({
            id: (this.settings.crypto ?? globalThis.crypto).randomUUID(),
            status: 'pending',
            author: user.id,
            responsible: patientId,
            type: NotificationTypeEnum.NEW_USER_OWN_DATA_ACCESS,
          }),
          [delegate],
        )
      } catch (e) {
        console.warn(
          `[cairn] Patient ${patientId} could not ask data owner ${delegate} for access to its data: ${e instanceof Error ? e.message : String(e)}`,
        )
      }
    }
  }

  /** The result of a login: the API, its exportable key pairs, the token and the user's ids. */
  private async resultOf(api: MedTechApi, user: User, token: string): Promise<AuthenticationResult> {
    return new AuthenticationResult({
      medTechApi: api,
      keyPairs: await api.exportableKeyPairs(),
      token,
      groupId: user.groupId ?? '',
      userId: user.id!,
    })
  }
}

/** The value, or MedTech's "Impossible to find ..." for an entity that is not there (404). */
async function exists<T>(promise: Promise<T>, message: string): Promise<T> {
  try {
    const value = await promise
    if (value) return value
  } catch (e) {
    if (!(e instanceof SdkError) || e.code !== 'NOT_FOUND') throw e
    throw new SdkError('NOT_FOUND', message, { cause: e })
  }
  throw new SdkError('NOT_FOUND', message)
}
