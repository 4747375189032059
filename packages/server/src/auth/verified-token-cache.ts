/** What a verified access token says: its user and session. */
export interface VerifiedAccess {
  readonly userId: string
  readonly sessionId: string
}

/**
 * Access tokens whose signature and claims were already verified, so that a client sending the same
 * bearer token on every request costs one HMAC check per token instead of one per request (jose's
 * HS256 verification goes through WebCrypto: an `importKey` and a `verify` job per call).
 *
 * Keyed by the whole token string: only the exact bytes that were verified hit the cache, so nothing
 * can be forged through it. An entry is dropped at the token's own expiry, so a cached token is never
 * accepted longer than `jwtVerify` would accept it. Whether the user is still active is checked
 * separately for every request (AuthService, through ActiveUserCache: at most 1 s late, and not late at
 * all for a change made through this instance), so a cached token does not keep a disabled user in.
 *
 * Bounded: past `maxEntries` the least recently used token is forgotten (a Map iterates in insertion
 * order, and a hit re-inserts its entry), so a client sending many distinct tokens cannot grow it.
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, { claims: VerifiedAccess; expiresAt: number }>()

  /**
   * @param maxEntries how many tokens to remember; 10,000 tokens of ~250 bytes is a few MB.
   * @param now the clock (epoch ms), replaceable in tests.
   */
  constructor(
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The claims of a verified, unexpired token; undefined if it must be verified (again). */
  get(token: string): VerifiedAccess | undefined {
    const entry = this.entries.get(token)
    if (!entry) return undefined
    this.entries.delete(token)
    if (entry.expiresAt <= this.now()) return undefined
    this.entries.set(token, entry)
    return entry.claims
  }

  /** Remembers a token that was just verified, until `expiresAt` (epoch ms, from its `exp` claim). */
  set(token: string, claims: VerifiedAccess, expiresAt: number): void {
    if (expiresAt <= this.now()) return
    this.entries.delete(token)
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next()
      if (!oldest.done) this.entries.delete(oldest.value)
    }
    this.entries.set(token, { claims, expiresAt })
  }

  /** Number of remembered tokens (for tests and metrics). */
  get size(): number {
    return this.entries.size
  }
}
