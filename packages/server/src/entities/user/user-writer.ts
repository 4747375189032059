import type { UserDto } from '@cairn/protocol'
import type { Caller } from '../../auth/caller.ts'
import type { EventBus } from '../../events/event-bus.ts'
import { StorageConflict, type Storage } from '../../storage/storage.ts'
import { userNotFound } from '../../access/access-policy.ts'
import { parseUser, userRow } from './user-row.ts'

/** Retries of read-modify-write updates that raced with another writer of the same user. */
const RACE_RETRIES = 5

/**
 * Writes of user documents shared by the user services: the `user-change` event after each committed
 * write (it also evicts the user from the authentication caches), and read-modify-write updates of
 * server-maintained parts of a user (tokens, automatic sharing) that retry when another writer got
 * there first.
 */
export class UserWriter {
  constructor(
    private readonly storage: Storage,
    private readonly events: EventBus,
  ) {}

  /** Emits the `user-change` event of a committed write of user `id` (a `change` of it, by default a modification). */
  emit(caller: Caller, id: string, rev: string, change: 'create' | 'modify' | 'delete' = 'modify'): void {
    this.events.emit([
      {
        kind: 'user-change',
        entityType: 'user',
        id,
        rev,
        actor: { userId: caller.userId, dataOwnerId: caller.dataOwnerId },
        requestId: caller.requestId,
        delegates: [],
        at: Date.now(),
        change,
      },
    ])
  }

  /**
   * Applies `change` to the current user document and saves it, again from a fresh read when another
   * writer committed in between; no write when `change` returns its argument unchanged.
   */
  async update(caller: Caller, userId: string, change: (u: UserDto) => UserDto): Promise<UserDto> {
    for (let attempt = 0; ; attempt++) {
      const row = await this.storage.getUser(userId)
      if (!row || row.deletionDate !== null) throw userNotFound(userId)
      const before = parseUser(row)
      const after = change(before)
      if (after === before) return before
      const next = userRow(after, row, row.passwordHash, Date.now())
      try {
        await this.storage.updateUser(next, row.rev)
        this.emit(caller, next.id, next.rev)
        return parseUser(next)
      } catch (e) {
        if (!(e instanceof StorageConflict) || attempt >= RACE_RETRIES) throw e
      }
    }
  }
}
