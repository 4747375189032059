import { badRequest } from '../http/app-error.ts'
import { StaleKeyset, TooManyMatches } from '../storage/storage.ts'

/**
 * Runs a storage search, answering what the caller can fix as 400s: a match of more ids than one
 * answer carries (page through the filter route instead), and a date-ordered page whose first
 * document no longer matches (deleted or changed since the previous page: start again).
 */
export async function searchPage<T>(search: () => Promise<T>): Promise<T> {
  try {
    return await search()
  } catch (e) {
    if (e instanceof TooManyMatches)
      throw badRequest(`The filter matches more than ${e.max} entities: use the filter route, which pages`)
    if (e instanceof StaleKeyset)
      throw badRequest(
        `The page cannot start at ${e.startId}: it no longer matches the filter (deleted or changed since the previous page); start again from the first page`,
      )
    throw e
  }
}
