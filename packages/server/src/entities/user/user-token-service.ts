import { randomBytes, randomUUID } from 'node:crypto'
import type { TokenInfoDto } from '@cairn/protocol'
import type { Caller } from '../../auth/caller.ts'
import { assertCanManageTokens, userNotFound } from '../../access/access-policy.ts'
import { hashSecret } from '../../auth/password.ts'
import type { SessionService } from '../../auth/session-service.ts'
import { assertRecentAuthentication } from '../../auth/recent-authentication.ts'
import { forbidden, notFound } from '../../http/app-error.ts'
import type { Storage } from '../../storage/storage.ts'
import { managedUserFor } from './user-facts.ts'
import type { UserWriter } from './user-writer.ts'

/** Default validity of long-lived tokens: 30 days, as MedTech's `createToken`. */
const DEFAULT_TOKEN_VALIDITY = 30 * 24 * 3600

/**
 * Long-lived tokens of users (usable as the password at login): created, listed and revoked by the
 * user itself, its managers and admins. Only a token's scrypt hash is stored; its metadata is also
 * mirrored in the user document (`authenticationTokens`, MedTech's field).
 */
export class UserTokenService {
  constructor(
    private readonly storage: Storage,
    private readonly writer: UserWriter,
    private readonly sessions: SessionService,
  ) {}

  /** 404 for a user the caller cannot see; 403 unless it is the user, a manager or an admin. */
  private async authorise(caller: Caller, userId: string): Promise<void> {
    const row = await this.storage.getUser(userId)
    if (!row || row.deletionDate !== null) throw userNotFound(userId)
    assertCanManageTokens(caller, await managedUserFor(this.storage, caller, row))
  }

  /** Creates a token `<tokenId>.<secret>`, shown this once. */
  async create(caller: Caller, userId: string, validity = DEFAULT_TOKEN_VALIDITY): Promise<string> {
    await this.authorise(caller, userId)
    // A token is a password that lasts: minting one needs a recent login, like changing the password,
    // or a stolen access token could turn itself into a credential that outlives its session.
    assertRecentAuthentication(
      caller,
      caller.userId === userId ? 'Creating a long-lived token' : `Creating a token for user ${userId}`,
      // Capped below: a token session mints only tokens that expire no later than its own.
      { tokenSessionAllowed: true },
    )
    const now = Date.now()
    // Minted in a session opened with a token: it expires no later than that token.
    if (caller.credentialNotAfter !== undefined)
      validity = Math.min(validity, Math.floor((caller.credentialNotAfter - now) / 1000))
    if (validity < 1) throw forbidden('The long-lived token of this session has expired: log in again')
    const tokenId = randomUUID()
    const secret = randomBytes(32).toString('base64url')
    await this.storage.insertUserToken({
      userId,
      tokenId,
      hash: await hashSecret(secret),
      created: now,
      validity,
    })
    await this.writer.update(caller, userId, (u) => ({
      ...u,
      authenticationTokens: { ...u.authenticationTokens, [tokenId]: { creationTime: now, validity } },
    }))
    return `${tokenId}.${secret}`
  }

  /** Metadata of the user's tokens (expired ones included until revoked), oldest first. */
  async list(caller: Caller, userId: string): Promise<TokenInfoDto[]> {
    await this.authorise(caller, userId)
    return this.metadata(userId)
  }

  /**
   * Revokes one token: it stops working as a password at once, the sessions opened with it end, and
   * it leaves the user document. Returns the tokens left.
   */
  async revoke(caller: Caller, userId: string, tokenId: string): Promise<TokenInfoDto[]> {
    await this.authorise(caller, userId)
    if ((await this.storage.deleteUserTokens(userId, [tokenId])) === 0)
      throw notFound(`Token ${tokenId} of user ${userId} does not exist`)
    await this.sessions.revoke({ userId, tokenId })
    await this.writer.update(caller, userId, (u) => {
      if (!(tokenId in u.authenticationTokens)) return u
      const { [tokenId]: _revoked, ...rest } = u.authenticationTokens
      return { ...u, authenticationTokens: rest }
    })
    return this.metadata(userId)
  }

  private async metadata(userId: string): Promise<TokenInfoDto[]> {
    return (await this.storage.findUserTokens(userId)).map((t) => ({
      tokenId: t.tokenId,
      creationTime: t.created,
      validity: t.validity,
    }))
  }
}
