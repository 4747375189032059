import { describe, expect, it } from 'vitest'
import type { CodingDto } from '@cairn/protocol'
import { AppError } from '../../http/app-error.ts'
import { codingContent, codingWrite, mergeContent, sameContent, storedContent } from './coding-doc.ts'

const dto = (extra: Partial<CodingDto> = {}): CodingDto => ({
  id: 'LOINC|2345-7|2.77',
  type: 'LOINC',
  code: '2345-7',
  version: '2.77',
  ...extra,
})

describe('codingContent', () => {
  it('requires the id type|code|version, with a 400 naming the expected id', () => {
    expect(() => codingContent(dto({ id: 'LOINC|2345-7|2.78' }))).toThrow(AppError)
    expect(() => codingContent(dto({ id: 'LOINC|2345-7|2.78' }))).toThrow('that is LOINC|2345-7|2.77')
  })

  it('drops the bookkeeping and empty maps, and keeps repeated regions once', () => {
    expect(
      codingContent(dto({ rev: '1-a', created: 5, regions: ['be', 'be', 'fr'], label: {}, searchTerms: {} })),
    ).toEqual({
      id: 'LOINC|2345-7|2.77',
      type: 'LOINC',
      code: '2345-7',
      version: '2.77',
      regions: ['be', 'fr'],
    })
  })
})

describe('mergeContent (imports)', () => {
  it('replaces labels language by language, adds regions and links, and removes nothing', () => {
    const current = codingContent(
      dto({ label: { en: 'Glucose', fr: 'Glucose' }, regions: ['be'], qualifiedLinks: { parent: ['a'] } }),
    )
    const merged = mergeContent(
      current,
      codingContent(
        dto({ label: { fr: 'Glucose [Masse/Volume]' }, regions: ['fr'], qualifiedLinks: { parent: ['b'] } }),
      ),
    )
    expect(merged).toMatchObject({
      label: { en: 'Glucose', fr: 'Glucose [Masse/Volume]' },
      regions: ['be', 'fr'],
      qualifiedLinks: { parent: ['a', 'b'] },
    })
    expect(sameContent(mergeContent(merged, codingContent(dto({ label: { en: 'Glucose' } }))), merged)).toBe(
      true,
    )
  })
})

describe('codingWrite', () => {
  it('keeps created, moves the rev on, and indexes the label words by language', () => {
    const content = codingContent(
      dto({ label: { en: 'Glucose [Mass/volume] in Serum', fr: 'Glucose sérique' } }),
    )
    const first = codingWrite(content, 1000)
    expect(first.write).toMatchObject({ created: 1000, modified: 1000 })
    expect(first.write.rev).toMatch(/^1-/)
    expect(first.write.expectedRev).toBeUndefined()
    expect(first.write.words).toContainEqual({ language: 'fr', word: 'serique' })
    expect(first.write.words.filter((w) => w.language === 'en').map((w) => w.word)).toEqual([
      'glucose',
      'mass',
      'volume',
      'in',
      'serum',
    ])
    const stored = { id: content.id, rev: first.write.rev, doc: first.json, created: 1000, modified: 1000 }
    expect(sameContent(storedContent(stored), content)).toBe(true)
    const second = codingWrite({ ...content, regions: ['be'] }, 2000, stored)
    expect(second.write).toMatchObject({ created: 1000, modified: 2000, expectedRev: first.write.rev })
    expect(second.write.rev).toMatch(/^2-/)
    expect(JSON.parse(second.json)).toMatchObject({ rev: second.write.rev, created: 1000, modified: 2000 })
  })
})
