import { describe, expect, it } from 'vitest'
import { SdkError } from '../http/sdk-error.ts'
import { splitIntoBatches, utf8Length } from './request-batches.ts'

const name = (i: number) => `dataSample #${i}`

describe('splitIntoBatches', () => {
  it('cuts by count', () => {
    expect(splitIntoBatches([10, 10, 10, 10, 10], 2, 1000, name)).toEqual([
      [0, 2],
      [2, 4],
      [4, 5],
    ])
  })

  it('cuts by the bytes of the JSON array body: brackets and commas count', () => {
    // [a,b] with a = b = 10 bytes is 23 bytes; a third document makes it 34.
    expect(splitIntoBatches([10, 10, 10], 100, 23, name)).toEqual([
      [0, 2],
      [2, 3],
    ])
    expect(splitIntoBatches([10, 10, 10], 100, 34, name)).toEqual([[0, 3]])
    expect(splitIntoBatches([], 100, 34, name)).toEqual([])
  })

  it('refuses a document larger than one request before anything is sent, naming the limit', () => {
    const error = (() => {
      try {
        splitIntoBatches([10, 99, 10], 100, 100, name)
      } catch (e) {
        return e
      }
    })()
    expect(error).toBeInstanceOf(SdkError)
    expect(error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', status: 0 })
    expect((error as SdkError).message).toMatch(/^dataSample #1 is 99 bytes .* more than the 100 bytes/)
  })
})

describe('utf8Length', () => {
  it('counts UTF-8 bytes', () => {
    for (const s of ['', 'abc', 'é', '€', '😀', 'a😀é€z']) {
      expect(utf8Length(s)).toBe(Buffer.byteLength(s))
    }
  })
})
