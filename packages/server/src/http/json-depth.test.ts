import { describe, expect, it } from 'vitest'
import { jsonNestsDeeperThan } from './json-depth.ts'

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
