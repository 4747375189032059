import { importPublicKey, type PublicKeyHandle } from '@cairn/crypto'
import { ROUTES, type KeyStatementDto } from '@cairn/protocol'
import type { HttpClient } from '../http/http-client.ts'

/** Hex SPKI public keys published on a data-owner document (`publicKey` and `publicKeysForOaepWithSha256`). */
export function publishedKeysOf(doc: { systemMetaData?: Record<string, unknown> }): string[] {
  const meta = doc.systemMetaData ?? {}
  const keys = [...((meta.publicKeysForOaepWithSha256 as string[] | undefined) ?? [])]
  const legacy = meta.publicKey as string | undefined
  if (legacy && !keys.includes(legacy)) keys.unshift(legacy)
  return keys
}

/** Signed key statements published on a data-owner document (protocol v2). */
export function keyStatementsOf(doc: { systemMetaData?: Record<string, unknown> }): KeyStatementDto[] {
  const list = doc.systemMetaData?.keyStatements
  if (!Array.isArray(list)) return []
  // Malformed statements (the server can put anything there) are ignored, never a crash.
  const str = (v: unknown) => typeof v === 'string' && v.length > 0 && !v.includes(':')
  return (list as unknown[]).filter((x): x is KeyStatementDto => {
    const st = x as Partial<KeyStatementDto> | null
    return (
      typeof st === 'object' &&
      st !== null &&
      (st.statement === 'key-add' || st.statement === 'key-revoke') &&
      str(st.fingerprint) &&
      str(st.signerFingerprint) &&
      typeof st.signature === 'string'
    )
  })
}

/** The published keys that import; a malformed one is left out (it can never be trusted anyway). */
async function importable(keys: string[]): Promise<PublicKeyHandle[]> {
  const out = await Promise.all(
    keys.map((k) =>
      typeof k === 'string' ? importPublicKey(k).catch(() => undefined) : Promise.resolve(undefined),
    ),
  )
  return out.filter((k): k is PublicKeyHandle => k !== undefined)
}

/** What a data owner publishes about its keys, as the server returns it (not yet trusted). */
export interface PublishedKeys {
  keys: PublicKeyHandle[]
  statements: KeyStatementDto[]
}

/**
 * Public keys of data owners as the server publishes them, imported once and cached for the life of
 * the API instance (cleared by `forceReload`). Whether to trust them is KeyTrust's decision.
 */
export class DataOwnerKeys {
  private readonly cache = new Map<string, Promise<PublishedKeys>>()

  constructor(private readonly http: HttpClient) {}

  /** Imported public keys and key statements of a data owner (empty if it has none yet). */
  published(dataOwnerId: string): Promise<PublishedKeys> {
    let found = this.cache.get(dataOwnerId)
    if (!found) {
      found = this.http.call(ROUTES.getDataOwner, { params: { id: dataOwnerId } }).then(async (d) => ({
        keys: await importable(publishedKeysOf(d.dataOwner)),
        statements: keyStatementsOf(d.dataOwner),
      }))
      found.catch(() => this.cache.delete(dataOwnerId))
      this.cache.set(dataOwnerId, found)
    }
    return found
  }

  /** Imported public keys of a data owner (empty if it has none yet). */
  async publicKeysOf(dataOwnerId: string): Promise<PublicKeyHandle[]> {
    return (await this.published(dataOwnerId)).keys
  }

  /** Forgets the cached keys of one data owner (after its deletion): the next use reads them again. */
  forget(dataOwnerId: string): void {
    this.cache.delete(dataOwnerId)
  }

  /** Forgets every cached key. */
  clear(): void {
    this.cache.clear()
  }
}
