import type { SharedDataType, UserDto } from '@cairn/protocol'
import type { User } from '../models/index.ts'
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
    const user = userFromDto(await this.ctx.http.get<UserDto>('/user/current'))
    if (user.id === this.ctx.user.id) this.ctx.user = user
    return user
  }

  /** A user by id. */
  async getUser(userId: string): Promise<User> {
    return userFromDto(await this.ctx.http.get<UserDto>(`/user/${encodeURIComponent(userId)}`))
  }

  /** Creates (no rev) or modifies (rev; stale -> 409) a user; a clear `passwordHash` is hashed by the server. */
  async createOrModifyUser(user: User): Promise<User> {
    const body = { ...userToDto(user), id: forceUuid(user.id) }
    const saved = userFromDto(
      user.rev
        ? await this.ctx.http.put<UserDto>('/user', body)
        : await this.ctx.http.post<UserDto>('/user', body),
    )
    if (saved.id === this.ctx.user.id) this.ctx.user = saved
    return saved
  }

  /** A long-lived token for the user, usable as its password (`withPassword(token)`). */
  async createToken(userId: string, durationInSeconds: number = DEFAULT_TOKEN_DURATION): Promise<string> {
    const { token } = await this.ctx.http.post<{ token: string }>(
      `/user/${encodeURIComponent(userId)}/token`,
      {
        validity: durationInSeconds,
      },
    )
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

  private async changeSharing(op: 'add' | 'remove', dataOwnerIds: string[], type?: string): Promise<User> {
    if (dataOwnerIds.length === 0) return this.getLoggedUser()
    const dto = await this.ctx.http.post<UserDto>(`/user/current/sharing/${op}`, {
      dataOwnerIds,
      type: type ?? 'all',
    })
    this.ctx.user = userFromDto(dto)
    return this.ctx.user
  }
}
