import { describe, expect, it } from 'vitest'
import {
  MAX_LABEL_WORDS,
  MAX_SEARCH_WORDS,
  MAX_WORD_LENGTH,
  foldText,
  labelMatches,
  labelWords,
  searchWords,
} from './label-words.ts'

describe('foldText', () => {
  it('lowers case and removes accents, ligatures and the letters decomposition keeps whole', () => {
    expect(foldText('Diabète SUCRÉ')).toBe('diabete sucre')
    expect(foldText('ﬁbrose Œdème Straße Søren Łódź')).toBe('fibrose oedeme strasse soren lodz')
    expect(foldText('İzmir')).toBe('izmir')
  })
})

describe('labelWords', () => {
  it('splits on anything but letters and digits, keeping each word once in order', () => {
    expect(labelWords('Diabète sucré (type 2) — diabète')).toEqual(['diabete', 'sucre', 'type', '2'])
    expect(labelWords('Hemoglobin A1c/Hemoglobin.total in Blood')).toEqual([
      'hemoglobin',
      'a1c',
      'total',
      'in',
      'blood',
    ])
    expect(labelWords('  --  ')).toEqual([])
    expect(labelWords('ζήτα Ωμέγα')).toEqual(['ζητα', 'ωμεγα'])
  })

  it('cuts long words and keeps at most MAX_LABEL_WORDS words', () => {
    expect(labelWords('x'.repeat(100))).toEqual(['x'.repeat(MAX_WORD_LENGTH)])
    const many = Array.from({ length: MAX_LABEL_WORDS + 5 }, (_, i) => `w${i}`).join(' ')
    expect(labelWords(many)).toHaveLength(MAX_LABEL_WORDS)
  })
})

describe('searchWords', () => {
  it('drops words that another search word starts with', () => {
    expect(searchWords('Diab diabetes MELL')).toEqual(['diabetes', 'mell'])
    expect(searchWords('diab diab')).toEqual(['diab'])
  })

  it('refuses more than MAX_SEARCH_WORDS words, naming the limit', () => {
    const words = Array.from({ length: MAX_SEARCH_WORDS + 1 }, (_, i) => `w${i}x`).join(' ')
    expect(() => searchWords(words)).toThrow(`at most ${MAX_SEARCH_WORDS} words`)
  })
})

describe('labelMatches (the rule of the label search)', () => {
  it('matches when every search word starts a word of the label, case and accents ignored', () => {
    expect(labelMatches('Diabetes mellitus', 'diab mell')).toBe(true)
    expect(labelMatches('Diabetes mellitus (disorder)', 'MELL diab')).toBe(true)
    expect(labelMatches('Diabète sucré', 'diabete sucre')).toBe(true)
    expect(labelMatches('Diabetes insipidus', 'diab mell')).toBe(false)
    // A search word must start a word, not appear inside one.
    expect(labelMatches('Prediabetes', 'diab')).toBe(false)
  })
})
