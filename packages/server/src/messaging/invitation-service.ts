import { randomBytes, randomUUID } from 'node:crypto'
import type { InvitationDto } from '@cairn/protocol'
import type { Caller } from '../auth/caller.ts'
import { assertCanManageUser, userNotFound } from '../access/access-policy.ts'
import { hashSecret } from '../auth/password.ts'
import { assertRecentAuthentication } from '../auth/recent-authentication.ts'
import { managedUserFor } from '../entities/user/user-facts.ts'
import type { UserWriter } from '../entities/user/user-writer.ts'
import { badRequest, conflict, forbidden } from '../http/app-error.ts'
import type { Storage } from '../storage/storage.ts'
import type { MessageOutbox, OutgoingMessage } from './outgoing-message.ts'
import { unknownApplication } from './auth-process-admin.ts'
import { outboxFor, senderOf } from './gateway-service.ts'

/** Every occurrence of `placeholder` in `text` replaced with `token`. */
const replaced = (text: string, placeholder: string, token: string) => text.split(placeholder).join(token)

/**
 * Invitations (docs/messaging.md, "Invitations"): the inviter's SDK built the message around a random
 * placeholder; the server mints a single-use token for the invited user (kind `invitation`: a login
 * with it consumes it and opens a full session), puts it in the message in place of the placeholder and
 * queues the message to the user's own email or mobile phone. The inviter never holds the token, and
 * the message goes only to an address the user record already has.
 *
 * Only admins and the user's managers invite, only a user without a password (one that has a
 * password is told to use a login link), and inviting again revokes the previous invitation.
 */
export class InvitationService {
  constructor(
    private readonly storage: Storage,
    private readonly writer: UserWriter,
    private readonly outbox: MessageOutbox | undefined,
    /** Counts the message against the caller's sending budget (the gateway's send throttle). */
    private readonly countSend: (caller: Caller, address: string) => Promise<void>,
    private readonly now: () => number = Date.now,
  ) {}

  /** Sends the invitation of user `userId`; returns the outbox message id and the channel. */
  async invite(
    caller: Caller,
    specId: string,
    userId: string,
    dto: InvitationDto,
    address: string,
  ): Promise<{ messageId: string; channel: 'email' | 'sms' }> {
    const app = await this.storage.authProcesses.getApplication(specId)
    if (!app) throw unknownApplication(specId)
    const row = await this.storage.getUser(userId)
    if (!row || row.deletionDate !== null) throw userNotFound(userId)
    assertCanManageUser(caller, await managedUserFor(this.storage, caller, row), 'invite')
    // An invitation is a credential for someone else, as a token is: minted only within minutes of a
    // login (a token session may, its own expiry capping the invitation's, as for tokens).
    assertRecentAuthentication(caller, `Inviting user ${userId}`, { tokenSessionAllowed: true })
    if (row.passwordHash !== null)
      throw conflict(`User ${userId} already has a password: send a login link instead`)
    if ((dto.email === undefined) === (dto.sms === undefined))
      throw badRequest('An invitation is sent by email or by SMS: give exactly one of email and sms')
    const placeholder = dto.tokenPlaceholder
    const fields = dto.email ? [dto.email.subject, dto.email.html] : [dto.sms!.message]
    if (!fields.some((f) => f.includes(placeholder)))
      throw badRequest('The invitation message does not contain the token it was given')
    const channel = dto.email ? 'email' : 'sms'
    const to = channel === 'email' ? row.email : row.mobilePhone
    if (!to)
      throw badRequest(
        `User ${userId} has no ${channel === 'email' ? 'email address' : 'mobile phone'} to send the invitation to`,
      )
    // Only admins choose the sender (see GatewayService.sendEmail); the factory's `from` (the doctor's
    // address in ICureRegistrationEmail) is otherwise replaced by the application's sender.
    const from =
      caller.isAdmin && dto.email?.from !== undefined
        ? senderOf(dto.email.from)
        : (app.emailFrom ?? undefined)
    const outbox = outboxFor(this.outbox, channel)
    await this.countSend(caller, address)

    const now = this.now()
    let validity = dto.tokenValidity
    if (caller.credentialNotAfter !== undefined)
      validity = Math.min(validity, Math.floor((caller.credentialNotAfter - now) / 1000))
    if (validity < 1) throw forbidden('The long-lived token of this session has expired: log in again')
    const previous = (await this.storage.findUserTokens(userId))
      .filter((t) => t.kind === 'invitation')
      .map((t) => t.tokenId)
    await this.storage.deleteUserTokens(userId, previous)
    const tokenId = randomUUID()
    const token = `${tokenId}.${randomBytes(32).toString('base64url')}`
    await this.storage.insertUserToken({
      userId,
      tokenId,
      hash: await hashSecret(token.slice(tokenId.length + 1)),
      created: now,
      validity,
      kind: 'invitation',
    })
    await this.writer.update(caller, userId, (u) => {
      const tokens = Object.fromEntries(
        Object.entries(u.authenticationTokens).filter(([id]) => !previous.includes(id)),
      )
      return { ...u, authenticationTokens: { ...tokens, [tokenId]: { creationTime: now, validity } } }
    })
    const message: OutgoingMessage = dto.email
      ? {
          channel: 'email',
          to,
          ...(from ? { from } : {}),
          subject: replaced(dto.email.subject, placeholder, token),
          html: replaced(dto.email.html, placeholder, token),
          kind: 'invitation',
        }
      : { channel: 'sms', to, message: replaced(dto.sms!.message, placeholder, token), kind: 'invitation' }
    try {
      return { messageId: await outbox.enqueue(message), channel }
    } catch (error) {
      // Not queued: the token goes too (nobody can receive it).
      await this.storage.deleteUserTokens(userId, [tokenId]).catch(() => undefined)
      throw error
    }
  }
}
