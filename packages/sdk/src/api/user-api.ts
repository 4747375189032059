import { ROUTES, type SharedDataType } from '@cairn/protocol'
import type { Connection, PaginatedListUser, Patient, User } from '../models/index.ts'
import { notAvailable } from '../http/sdk-error.ts'
import { forceUuid } from '../mappers/wire.ts'
import { userFromDto, userToDto } from '../mappers/user-mapper.ts'
import type { ApiContext } from './api-context.ts'

/** Default validity of `createToken`: 30 days, in seconds. */
const DEFAULT_TOKEN_DURATION = 2592000

/** MedTech `UserApi`: the logged-in user, user management, tokens and automatic sharing. */
export class UserApi {
  constructor(private readonly ctx: ApiContext) {}

  /** The logged-in user. */
  async getLoggedUser(): Promise<User> {
    const user = userFromDto(await this.ctx.http.call(ROUTES.currentUser, {}))
    if (user.id === this.ctx.user.id) this.ctx.user = user
    return user
  }

  /** A user by id. */
  async getUser(userId: string): Promise<User> {
    return userFromDto(await this.ctx.http.call(ROUTES.getUser, { params: { id: userId } }))
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

  /** Not available yet in Cairn (docs/compatibility.md). */
  createAndInviteUser(_patient: Patient, _messageFactory: unknown, _tokenDuration?: number): Promise<User> {
    return Promise.reject(notAvailable('userApi.createAndInviteUser'))
  }

  /** Not available yet in Cairn (docs/compatibility.md). */
  deleteUser(_userId: string): Promise<string> {
    return Promise.reject(notAvailable('userApi.deleteUser'))
  }

  /** Not available yet in Cairn (docs/compatibility.md). */
  filterUsers(_filter: unknown, _nextUserId?: string, _limit?: number): Promise<PaginatedListUser> {
    return Promise.reject(notAvailable('userApi.filterUsers'))
  }

  /** Not available yet in Cairn (docs/compatibility.md). */
  getUserByEmail(_email: string): Promise<User> {
    return Promise.reject(notAvailable('userApi.getUserByEmail'))
  }

  /** Not available yet in Cairn (docs/compatibility.md). */
  matchUsers(_filter: unknown): Promise<string[]> {
    return Promise.reject(notAvailable('userApi.matchUsers'))
  }

  /** Not available yet in Cairn (docs/compatibility.md). */
  subscribeToUserEvents(
    _eventTypes: ('CREATE' | 'UPDATE' | 'DELETE')[],
    _filter: unknown,
    _eventFired: (user: User) => Promise<void>,
    _options?: { connectionMaxRetry?: number; connectionRetryIntervalMs?: number },
  ): Promise<Connection> {
    return Promise.reject(notAvailable('userApi.subscribeToUserEvents'))
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
