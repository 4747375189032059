import { importPublicKey, type PublicKeyHandle } from '@cairn/crypto'
import { ROUTES } from '@cairn/protocol'
import type { HttpClient } from '../http/http-client.ts'

/** Hex SPKI public keys published on a data-owner document (`publicKey` and `publicKeysForOaepWithSha256`). */
export function publishedKeysOf(doc: { systemMetaData?: Record<string, unknown> }): string[] {
  const meta = doc.systemMetaData ?? {}
  const keys = [...((meta.publicKeysForOaepWithSha256 as string[] | undefined) ?? [])]
  const legacy = meta.publicKey as string | undefined
  if (legacy && !keys.includes(legacy)) keys.unshift(legacy)
  return keys
}

/**
 * Public keys of other data owners as the server publishes them, imported once and cached for the
 * life of the API instance (cleared by `forceReload`).
 */
export class DataOwnerKeys {
  private readonly cache = new Map<string, Promise<PublicKeyHandle[]>>()

  constructor(private readonly http: HttpClient) {}

  /** Imported public keys of a data owner (empty if it has none yet). */
  publicKeysOf(dataOwnerId: string): Promise<PublicKeyHandle[]> {
    let found = this.cache.get(dataOwnerId)
    if (!found) {
      found = this.http
        .call(ROUTES.getDataOwner, { params: { id: dataOwnerId } })
        .then((d) => Promise.all(publishedKeysOf(d.dataOwner).map((k) => importPublicKey(k))))
      found.catch(() => this.cache.delete(dataOwnerId))
      this.cache.set(dataOwnerId, found)
    }
    return found
  }

  /** Forgets every cached key. */
  clear(): void {
    this.cache.clear()
  }
}
