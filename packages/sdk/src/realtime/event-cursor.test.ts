import { describe, expect, it } from 'vitest'
import { EventCursor, isCursor } from './event-cursor.ts'

describe('EventCursor', () => {
  it('accepts increasing cursors and refuses duplicates and older ones', () => {
    const cursor = new EventCursor()
    expect(cursor.value).toBeUndefined()
    expect(cursor.accept('5')).toBe(true)
    expect(cursor.accept('5')).toBe(false)
    expect(cursor.accept('4')).toBe(false)
    expect(cursor.accept('6')).toBe(true)
    expect(cursor.value).toBe('6')
  })

  it('compares as integers, not as strings, up to 19 digits', () => {
    const cursor = new EventCursor('9')
    expect(cursor.accept('10')).toBe(true)
    expect(cursor.accept('9')).toBe(false)
    // Beyond 2^53: doubles would take these two for the same number.
    const big = new EventCursor('9007199254740993')
    expect(big.accept('9007199254740992')).toBe(false)
    expect(big.accept('9007199254740994')).toBe(true)
    expect(big.accept('9223372036854775807')).toBe(true)
  })

  it('filters a replay that overlaps what was delivered: each event once, in order', () => {
    const cursor = new EventCursor()
    const delivered = ['1', '2', '3'].filter((c) => cursor.accept(c))
    // Reconnection with since=3: the server replays from 2 (an overlap) and goes on.
    const replayed = ['2', '3', '4', '5'].filter((c) => cursor.accept(c))
    expect([...delivered, ...replayed]).toEqual(['1', '2', '3', '4', '5'])
  })

  it('refuses what is not a cursor without moving', () => {
    const cursor = new EventCursor('7')
    for (const bad of ['', '-1', '1.5', 'abc', '12345678901234567890']) expect(cursor.accept(bad)).toBe(false)
    expect(cursor.value).toBe('7')
    expect(() => new EventCursor('x')).toThrow(RangeError)
  })

  it('advances to a server position only forwards, and resets to it on a resync', () => {
    const cursor = new EventCursor('10')
    cursor.advanceTo('8')
    expect(cursor.value).toBe('10')
    cursor.advanceTo('12')
    expect(cursor.value).toBe('12')
    // A resync restarts the stream where the server says, even before (a restored database).
    cursor.reset('3')
    expect(cursor.value).toBe('3')
    expect(cursor.accept('4')).toBe(true)
  })

  it('isCursor follows the protocol pattern', () => {
    expect(isCursor('0')).toBe(true)
    expect(isCursor('1234567890123456789')).toBe(true)
    expect(isCursor(12)).toBe(false)
    expect(isCursor(undefined)).toBe(false)
  })
})
