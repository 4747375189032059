import { ROUTES, type SharedDataType, type UserViewDto } from '@cairn/protocol'
import {
  HealthcareProfessional,
  PaginatedListUser,
  type Connection,
  type Patient,
  type User,
} from '../models/index.ts'
import { NoOpFilter, type Filter } from '../filter/filter.ts'
import { SdkError, notAvailable } from '../http/sdk-error.ts'
import { forceUuid } from '../mappers/wire.ts'
import { userFromDto, userToDto } from '../mappers/user-mapper.ts'
import { userFilterToDto } from '../mappers/user-filter-mapper.ts'
import { validateEmail } from '../util/validate-email.ts'
import type { MsgGwClient } from '../http/msg-gw-client.ts'
import type { EmailMessageFactory, SMSMessageFactory } from '../messaging/message-factory.ts'
import type { ApiContext } from './api-context.ts'
import { completeNames } from './healthcare-professional-api.ts'
import { DEFAULT_INVITATION_VALIDITY, inviteUser } from './invite-user.ts'
import { subscribe } from '../realtime/subscribe.ts'
import type { SubscriptionOptions } from '../realtime/subscription-options.ts'

/** Metadata of a long-lived token of a user (Cairn extension): its secret is never shown again. */
export interface UserTokenInfo {
  tokenId: string
  /** Epoch ms. */
  creationTime: number
  /** Seconds from `creationTime`. */
  validity: number
}

/** Default validity of `createToken`: 30 days, in seconds. */
const DEFAULT_TOKEN_DURATION = 2592000

/** MedTech `UserApi`: the logged-in user, user management, tokens and automatic sharing. */
export class UserApi {
  constructor(
    private readonly ctx: ApiContext,
    /** The message gateway of the API's application, if it has one (invitations). */
    private readonly gateway: () => MsgGwClient | undefined = () => undefined,
  ) {}

  /** The logged-in user. */
  async getLoggedUser(): Promise<User> {
    const user = userFromDto(await this.ctx.http.call(ROUTES.currentUser, {}))
    if (user.id === this.ctx.user.id) this.ctx.user = user
    return user
  }

  /**
   * A user by id. The user itself, its managers and admins get every field; other healthcare
   * professionals get its directory fields (id, name, data owner id, status); anyone else gets 404.
   */
  async getUser(userId: string): Promise<User> {
    return userFromDto(await this.ctx.http.call(ROUTES.getUser, { params: { id: userId } }))
  }

  /**
   * The user with this email (validated first, with MedTech's message), if the caller may see its
   * contact details: the user itself, its managers and admins; 404 otherwise.
   */
  async getUserByEmail(email: string): Promise<User> {
    validateEmail(email)
    return userFromDto(await this.ctx.http.call(ROUTES.getUserByEmail, { params: { email } }))
  }

  /**
   * Deletes a user (its managers and admins): its identifiers, sessions and tokens go, and its data
   * owner may get a new user. Returns the rev of the deletion, as MedTech does.
   */
  async deleteUser(userId: string): Promise<string> {
    const { rev } = await this.ctx.http.call(ROUTES.deleteUser, { params: { id: userId } })
    if (!rev) throw new SdkError('INTERNAL', 'Invalid user id')
    return rev
  }

  /**
   * One page of the users matching `filter` among those the caller may see, from `nextUserId`
   * (`page.nextKeyPair.startKeyDocId` of the previous page). A NoOpFilter answers an empty page
   * without any request.
   */
  async filterUsers(filter: Filter<User>, nextUserId?: string, limit?: number): Promise<PaginatedListUser> {
    if (NoOpFilter.isNoOp(filter)) return new PaginatedListUser({ pageSize: 0, totalSize: 0, rows: [] })
    const page = await this.ctx.http.call(ROUTES.filterUsers, {
      body: { filter: userFilterToDto(filter) },
      query: { startDocumentId: nextUserId, limit },
    })
    return new PaginatedListUser({ ...page, rows: page.rows.map(userFromDto) })
  }

  /** Ids of the users matching `filter` among those the caller may see; `[]` for a NoOpFilter. */
  async matchUsers(filter: Filter<User>): Promise<string[]> {
    if (NoOpFilter.isNoOp(filter)) return []
    return this.ctx.http.call(ROUTES.matchUsers, { body: { filter: userFilterToDto(filter) } })
  }

  /**
   * Cairn extension: metadata of the long-lived tokens of a user (the user itself, its managers and
   * admins), oldest first.
   */
  async getTokens(userId: string): Promise<UserTokenInfo[]> {
    return this.ctx.http.call(ROUTES.listTokens, { params: { id: userId } })
  }

  /**
   * Cairn extension: revokes a long-lived token of a user. It stops working as a password at once and
   * the sessions opened with it end.
   */
  async revokeToken(userId: string, tokenId: string): Promise<void> {
    await this.ctx.http.call(ROUTES.revokeToken, { params: { id: userId, tokenId } })
  }

  /**
   * Cairn extension: creates a healthcare professional and its user in one request, both or neither
   * (no professional left without a user for someone else to claim). The professional's names are
   * completed as `createOrModifyHealthcareProfessional` does; the user acts as the new professional.
   */
  async createHealthcareProfessionalWithUser(
    healthcareProfessional: HealthcareProfessional,
    user: User,
  ): Promise<{ healthcareProfessional: HealthcareProfessional; user: User }> {
    const hcp = completeNames(
      healthcareProfessional instanceof HealthcareProfessional
        ? healthcareProfessional
        : new HealthcareProfessional(healthcareProfessional),
    )
    const id = forceUuid(hcp.id)
    const created = await this.ctx.http.call(ROUTES.createHealthcareProfessionalWithUser, {
      body: {
        healthcareProfessional: { ...(hcp.marshal() as Record<string, unknown>), id },
        user: { ...userToDto(user), id: forceUuid(user.id), healthcarePartyId: id },
      },
    })
    return {
      healthcareProfessional: new HealthcareProfessional(created.healthcareProfessional),
      user: userFromDto(created.user),
    }
  }

  /** Creates (no rev) or modifies (rev; stale -> 409) a user; a clear `passwordHash` is hashed by the server. */
  async createOrModifyUser(user: User): Promise<User> {
    const body = { ...userToDto(user), id: forceUuid(user.id) }
    const saved = userFromDto(
      await this.ctx.http.call(user.rev ? ROUTES.modifyUser : ROUTES.createUser, { body }),
    )
    if (saved.id === this.ctx.user.id) this.ctx.user = saved
    return saved
  }

  /** A long-lived token for the user, usable as its password (`withPassword(token)`). */
  async createToken(userId: string, durationInSeconds: number = DEFAULT_TOKEN_DURATION): Promise<string> {
    const { token } = await this.ctx.http.call(ROUTES.createToken, {
      params: { id: userId },
      body: { validity: durationInSeconds },
    })
    return token
  }

  /**
   * Shares every entity the current user creates from now on with these data owners (kind omitted =
   * 'all'; 'administrativeInformation' is an alias of 'administrativeData'). Not retroactive.
   */
  async shareAllFutureDataWith(
    dataOwnerIds: string[],
    type?: SharedDataType | 'administrativeInformation',
  ): Promise<User> {
    return this.changeSharing('add', dataOwnerIds, type)
  }

  /** Stops the automatic sharing of that kind with these data owners; what was shared stays shared. */
  async stopSharingDataWith(
    dataOwnerIds: string[],
    type?: SharedDataType | 'administrativeInformation',
  ): Promise<User> {
    return this.changeSharing('remove', dataOwnerIds, type)
  }

  /** Not available yet in Cairn (docs/compatibility.md). */
  checkTokenValidity(_userId: string, _token: string): Promise<boolean> {
    return Promise.reject(notAvailable('userApi.checkTokenValidity'))
  }

  /**
   * Creates the user of a patient (or, Cairn extension, of a healthcare professional) and invites it
   * through the message gateway (medtech-api.md §5.4): its login and the message's recipient are the
   * data owner's first email or mobile phone (home, then work, then any address); the message is the
   * factory's, where the credential the factory is given stands for a single-use token the server
   * mints, valid `tokenDuration` seconds (48 hours by default), so that the inviter never holds it. The
   * invited user logs in with it through `authenticateAndAskAccessToItsExistingData`, which makes its
   * key pair on its own device. Needs a spec id (`withMsgGwSpecId`). Returns the created user.
   */
  createAndInviteUser(
    patient: Patient | HealthcareProfessional,
    messageFactory: SMSMessageFactory | EmailMessageFactory,
    tokenDuration: number = DEFAULT_INVITATION_VALIDITY,
  ): Promise<User> {
    return inviteUser(this.ctx, this.gateway(), patient, messageFactory, tokenDuration)
  }

  /**
   * Realtime user events (MedTech §2.11, docs/realtime.md): `eventFired` gets each created, modified
   * or deleted user the caller may see (as {@link getUser} shows it) that `filter` (the filter objects
   * of {@link filterUsers}; undefined: every one) matches, as a User model, one at a time in order.
   * Resolves once the subscription is live; reconnects after a lost connection and replays what was
   * missed.
   */
  async subscribeToUserEvents(
    eventTypes: ('CREATE' | 'UPDATE' | 'DELETE')[],
    filter: Filter<User> | undefined,
    eventFired: (user: User) => Promise<void>,
    options: SubscriptionOptions = {},
  ): Promise<Connection> {
    return subscribe(this.ctx.http, {
      entityType: 'user',
      eventTypes,
      filter: filter === undefined ? undefined : userFilterToDto(filter),
      eventFired,
      options,
      decode: (event) => {
        if (!event.entity || event.entity.id !== event.id)
          return Promise.reject(
            new SdkError('INTERNAL', `The realtime event of user ${event.id} does not carry that user`),
          )
        return Promise.resolve(userFromDto(event.entity as unknown as UserViewDto))
      },
    })
  }

  private async changeSharing(op: 'add' | 'remove', dataOwnerIds: string[], type?: string): Promise<User> {
    if (dataOwnerIds.length === 0) return this.getLoggedUser()
    const dto = await this.ctx.http.call(op === 'add' ? ROUTES.addSharing : ROUTES.removeSharing, {
      body: { dataOwnerIds, type: type ?? 'all' },
    })
    this.ctx.user = userFromDto(dto)
    return this.ctx.user
  }
}
