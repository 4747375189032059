import { StorageConflict } from '../../storage/storage.ts'

/**
 * Attempts of a deletion that raced with another writer of the same records. A deletion carries no
 * rev (it deletes whatever is current), so a stale rev only means that another write committed
 * between its read and its write: it reads again, re-checks every rule, and tries again.
 */
const RACE_ATTEMPTS = 5

/**
 * Runs `attempt` until it does not fail with a stale or missing rev (StorageConflict other than
 * 'exists'), at most RACE_ATTEMPTS times; the last failure is thrown (a 409).
 */
export async function retryOnRace<T>(attempt: () => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt()
    } catch (e) {
      if (!(e instanceof StorageConflict) || e.reason === 'exists' || n >= RACE_ATTEMPTS) throw e
    }
  }
}
