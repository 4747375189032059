import { ROUTES, type InvitationDto } from '@cairn/protocol'
import { SdkError } from '../http/sdk-error.ts'
import type { MsgGwClient } from '../http/msg-gw-client.ts'
import { HealthcareProfessional, User, type Patient } from '../models/index.ts'
import { userFromDto, userToDto } from '../mappers/user-mapper.ts'
import { forceUuid } from '../mappers/wire.ts'
import { invitationContactOf } from '../messaging/contact-of.ts'
import type { EmailMessageFactory, SMSMessageFactory } from '../messaging/message-factory.ts'
import { validateMobilePhone } from '../util/sanitizer.ts'
import { validateEmail } from '../util/validate-email.ts'
import type { ApiContext } from './api-context.ts'

/** Default validity of an invitation token: 48 hours, in seconds (MedTech). */
export const DEFAULT_INVITATION_VALIDITY = 172800

const NO_GATEWAY =
  'Can not invite a user, as no msgGtwUrl and/or specId have been provided : Make sure to call .withMsgGtwUrl and .withMsgGtwSpecId when creating your MedTechApi'
const GATEWAY_FAILED = 'Something went wrong contacting the Message Gateway'

/** The texts that differ between inviting a patient (MedTech's) and a professional (Cairn's). */
const TEXTS = {
  patient: {
    noId: 'Patient does not have a valid id',
    taken: 'A User already exists for this Patient',
    noContact: 'No email or mobile phone information provided in patient',
  },
  hcp: {
    noId: 'Healthcare professional does not have a valid id',
    taken: 'A User already exists for this Healthcare professional',
    noContact: 'No email or mobile phone information provided in healthcare professional',
  },
} as const

/**
 * A random stand-in for the invitation token in the message the factory builds: 32 URL-safe
 * characters (24 random bytes), which the server replaces with the token it mints.
 */
function tokenPlaceholder(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24))
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
}

/** Whether a user exists for the patient (MedTech: `UsersByPatientIdFilter`). */
async function patientHasUser(ctx: ApiContext, patientId: string): Promise<boolean> {
  const ids = await ctx.http.call(ROUTES.matchUsers, {
    body: { filter: { $type: 'UsersByPatientIdFilter', patientId } },
  })
  return ids.length > 0
}

/**
 * MedTech `userApi.createAndInviteUser` (medtech-api.md §5.4), for a patient or (Cairn) a healthcare
 * professional: creates the user of the data owner, its login the data owner's first contact among
 * home email, home mobile, work email, work mobile, any email, any mobile, then has the message
 * gateway send it the factory's message. The credential in that message is not made here: the factory
 * gets a random placeholder, and the server replaces it with a single-use invitation token valid
 * `tokenDuration` seconds that it mints itself, so the inviter never holds the invitee's credential.
 * The invitee then logs in with it (`authenticateAndAskAccessToItsExistingData`), making its key pair on
 * its own device. A user whose invitation could not be sent is deleted again, so that it can be invited
 * once more. Returns the created user.
 */
export async function inviteUser(
  ctx: ApiContext,
  gateway: MsgGwClient | undefined,
  dataOwner: Patient | HealthcareProfessional,
  messageFactory: SMSMessageFactory | EmailMessageFactory,
  tokenDuration: number,
): Promise<User> {
  if (!gateway) throw new SdkError('BAD_REQUEST', NO_GATEWAY)
  const isHcp = dataOwner instanceof HealthcareProfessional
  const texts = isHcp ? TEXTS.hcp : TEXTS.patient
  if (!dataOwner.id) throw new SdkError('BAD_REQUEST', texts.noId)
  if (!isHcp && (await patientHasUser(ctx, dataOwner.id))) throw new SdkError('CONFLICT', texts.taken)
  const contact = invitationContactOf(dataOwner.addresses)
  if (!contact) throw new SdkError('BAD_REQUEST', texts.noContact)
  // Checked before the user exists (MedTech checked at sending time, after creating it).
  const login = 'email' in contact ? validateEmail(contact.email) : validateMobilePhone(contact.mobilePhone)

  const draft = new User({
    created: Date.now(),
    name: login,
    login,
    ...(isHcp ? { healthcarePartyId: dataOwner.id } : { patientId: dataOwner.id }),
    ...contact,
  })
  let user: User
  try {
    user = userFromDto(
      await ctx.http.call(ROUTES.createUser, { body: { ...userToDto(draft), id: forceUuid(undefined) } }),
    )
  } catch (e) {
    // A data owner has at most one user: the server's answer when another one was created meanwhile.
    if (e instanceof SdkError && e.code === 'CONFLICT' && /already has a user/.test(e.serverMessage ?? ''))
      throw new SdkError('CONFLICT', texts.taken, { status: e.status, requestId: e.requestId, cause: e })
    throw e
  }
  if (!user.id || !user.login) throw new SdkError('INTERNAL', 'Something went wrong during User creation')

  // Best effort: a user left without its invitation would block the next one ("already exists").
  const userId = user.id
  const forget = () => ctx.http.call(ROUTES.deleteUser, { params: { id: userId } }).catch(() => undefined)
  let body: InvitationDto
  try {
    body = invitation(user, messageFactory, tokenDuration)
  } catch (e) {
    await forget()
    throw e
  }
  try {
    await gateway.invite(userId, body)
  } catch (e) {
    await forget()
    throw new SdkError(e instanceof SdkError ? e.code : 'INTERNAL', GATEWAY_FAILED, {
      status: e instanceof SdkError ? e.status : 0,
      requestId: e instanceof SdkError ? e.requestId : undefined,
      serverMessage: e instanceof SdkError ? e.serverMessage : undefined,
      cause: e,
    })
  }
  return user
}

/**
 * The body of the invitation: the factory's message around a new placeholder, as an email for a user
 * with an email address, else as an SMS; a factory giving the other kind of message is refused.
 */
function invitation(
  user: User,
  messageFactory: SMSMessageFactory | EmailMessageFactory,
  tokenValidity: number,
): InvitationDto {
  const placeholder = tokenPlaceholder()
  const message: unknown = messageFactory.get(user, placeholder)
  const m = (message ?? {}) as Record<string, unknown>
  if (user.email) {
    if (typeof m.subject !== 'string' || typeof m.html !== 'string')
      throw new SdkError(
        'BAD_REQUEST',
        `The message factory gave no email (subject and html) for user ${user.id}, invited at an email address`,
      )
    const from = typeof m.from === 'string' && m.from ? m.from : undefined
    return {
      email: { subject: m.subject, html: m.html, ...(from ? { from } : {}) },
      tokenValidity,
      tokenPlaceholder: placeholder,
    }
  }
  if (typeof m.message !== 'string')
    throw new SdkError(
      'BAD_REQUEST',
      `The message factory gave no SMS (message) for user ${user.id}, invited at a mobile phone number`,
    )
  return { sms: { message: m.message }, tokenValidity, tokenPlaceholder: placeholder }
}
