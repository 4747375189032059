import { describe, expect, it } from 'vitest'
import { jsonHasNulEscape, jsonNestsDeeperThan } from './json-depth.ts'

const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth)

describe('jsonNestsDeeperThan', () => {
  it('counts arrays and objects, up to and beyond the limit', () => {
    expect(jsonNestsDeeperThan(nested(3), 3)).toBe(false)
    expect(jsonNestsDeeperThan(nested(4), 3)).toBe(true)
    expect(jsonNestsDeeperThan('{"a":{"b":[{"c":1}]}}', 4)).toBe(false)
    expect(jsonNestsDeeperThan('{"a":{"b":[{"c":1}]}}', 3)).toBe(true)
    expect(jsonNestsDeeperThan('[[],[],[[]]]', 2)).toBe(true)
    expect(jsonNestsDeeperThan('[[],[],[]]', 2)).toBe(false)
  })

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(jsonNestsDeeperThan(JSON.stringify({ s: '[[[[[[{{{{' }), 1)).toBe(false)
    expect(jsonNestsDeeperThan(JSON.stringify({ s: 'a"[[[[["b' }), 1)).toBe(false)
    expect(jsonNestsDeeperThan(JSON.stringify({ s: 'ends with a backslash \\', t: [[[1]]] }), 3)).toBe(true)
    expect(jsonNestsDeeperThan(JSON.stringify({ s: 'ends with a backslash \\', t: [[1]] }), 3)).toBe(false)
  })

  it('leaves malformed text to the parser', () => {
    expect(jsonNestsDeeperThan('{"unterminated: [[[[', 1)).toBe(false)
    expect(jsonNestsDeeperThan(']]]]', 1)).toBe(false)
  })

  it('handles 100,000 levels without recursion', () => {
    expect(jsonNestsDeeperThan(nested(100_000), 100)).toBe(true)
  })
})

describe('jsonHasNulEscape', () => {
  it('finds the escape of a NUL character, wherever it is in a string', () => {
    expect(jsonHasNulEscape(JSON.stringify({ login: 'admin\u0000' }))).toBe(true)
    expect(jsonHasNulEscape(JSON.stringify({ ['\u0000key']: 1 }))).toBe(true)
    expect(jsonHasNulEscape('{"a":"x\\u0000"}')).toBe(true)
    // An escaped backslash before it leaves the escape real: \\ then \u0000.
    expect(jsonHasNulEscape(JSON.stringify({ a: '\\\u0000' }))).toBe(true)
  })

  it('does not take an escaped backslash followed by the text "u0000" for a NUL', () => {
    const text = JSON.stringify({ a: '\\u0000', b: 'C:\\\\u0000' })
    expect(text).toContain('\\\\u0000')
    expect(jsonHasNulEscape(text)).toBe(false)
    expect(jsonHasNulEscape(JSON.stringify({ a: 'u0000', b: '\\u0001', c: '\u0001' }))).toBe(false)
    // Another escape, then a NUL further on, is still found.
    expect(jsonHasNulEscape('{"a":"\\\\u0000","b":"\\u0000"}')).toBe(true)
  })
})
