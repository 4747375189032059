import { SignJWT, jwtVerify, errors as joseErrors } from 'jose'
import { unauthorized } from '../http/app-error.ts'

/** Kinds of JWT we issue; a refresh token is never accepted as an access token and vice versa. */
export type TokenKind = 'access' | 'refresh'

/** What a verified token says: its user, expiry (epoch ms), session and refresh generation. */
export interface TokenClaims {
  userId: string
  expiresAt?: number
  sessionId?: string
  generation?: number
}

/** Issues and verifies the server's HS256 JWTs with one shared secret (so instances are stateless). */
export class JwtService {
  private readonly key: Uint8Array

  constructor(secret: string) {
    this.key = new TextEncoder().encode(secret)
  }

  /**
   * Signs a token for a user; `ttl` in seconds. `session` names the login session (`sid`) and, for a
   * refresh token, its generation (`gen`): see SessionService.
   */
  async sign(
    userId: string,
    kind: TokenKind,
    ttl: number,
    session?: { sid: string; gen?: number },
  ): Promise<string> {
    return new SignJWT({ kind, ...session })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(userId)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + ttl)
      .sign(this.key)
  }

  /** Returns the user id of a valid token of the given kind; else a 401 saying why. */
  async verify(token: string, kind: TokenKind): Promise<string> {
    return (await this.verifyClaims(token, kind)).userId
  }

  /**
   * Verifies a token of the given kind (else a 401 saying why) and returns its user id and when it
   * expires (epoch ms; undefined for a token without `exp`, which this service never issues), so that
   * a caller may remember the verification until then.
   */
  async verifyClaims(token: string, kind: TokenKind): Promise<TokenClaims> {
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'] })
      if (payload.kind !== kind || typeof payload.sub !== 'string') throw unauthorized(`Not an ${kind} token`)
      return {
        userId: payload.sub,
        ...(typeof payload.exp === 'number' ? { expiresAt: payload.exp * 1000 } : {}),
        ...(typeof payload.sid === 'string' ? { sessionId: payload.sid } : {}),
        ...(typeof payload.gen === 'number' ? { generation: payload.gen } : {}),
      }
    } catch (e) {
      if (e instanceof joseErrors.JWTExpired) throw unauthorized(`The ${kind} token has expired`)
      if (e instanceof joseErrors.JOSEError) throw unauthorized(`Invalid ${kind} token`)
      throw e
    }
  }
}
