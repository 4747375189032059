import { describe, expect, it } from 'vitest'
import { StaleKeyset, TooManyMatches } from '../storage/storage.ts'
import { searchPage } from './search-page.ts'

describe('searchPage', () => {
  it('answers a match over the limit and an unplaceable page as 400s saying what to do', async () => {
    await expect(searchPage(() => Promise.reject(new TooManyMatches(100_000)))).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: 'The filter matches more than 100000 entities: use the filter route, which pages',
    })
    await expect(searchPage(() => Promise.reject(new StaleKeyset('abc')))).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(
        /^The page cannot start at abc: .*start again from the first page$/,
      ) as unknown,
    })
  })

  it('passes results through and other failures unchanged', async () => {
    await expect(searchPage(() => Promise.resolve(7))).resolves.toBe(7)
    const failure = new Error('database down')
    await expect(searchPage(() => Promise.reject(failure))).rejects.toBe(failure)
  })
})
