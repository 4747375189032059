import { describe, expect, it } from 'vitest'
import {
  MAX_TERMS_PER_DOCUMENT,
  TERMS,
  dateBound,
  nameSuffixes,
  normalizeName,
  searchIndexOf,
} from './search-terms.ts'

describe('search terms', () => {
  it('normalises names: accents, case, spaces and punctuation removed, any script kept', () => {
    expect(normalizeName('Müller-Lüdenscheidt')).toBe('mullerludenscheidt')
    expect(normalizeName("D'Ärcy  Émile")).toBe('darcyemile')
    expect(normalizeName('Иван Петров')).toBe('иванпетров')
    expect(normalizeName(' - ')).toBe('')
  })

  it('indexes every suffix of each name, so a substring is a prefix of some suffix', () => {
    const suffixes = nameSuffixes(['Keats John'])
    expect(suffixes).toContain('keatsjohn')
    expect(suffixes).toContain('eatsjohn')
    expect(suffixes.some((s) => s.startsWith('eatsjo'))).toBe(true)
    expect(suffixes).toHaveLength('keatsjohn'.length)
    expect(nameSuffixes(['x'.repeat(500)])).toHaveLength(64)
  })

  it('indexes a patient from its clear fields only, with its birth date as sort value', () => {
    const index = searchIndexOf(
      'patient',
      {
        id: 'p',
        firstName: 'John',
        lastName: 'Keats',
        maidenName: 'Brawne',
        dateOfBirth: 17951031,
        ssin: '123',
        gender: 'male',
        identifiers: [{ system: 'urn:mrn', value: '42' }, { use: 'nothing to index' }, 'garbage'],
        labels: [{ type: 'CARE', code: 'vip' }, { code: 'no type' }],
        codes: [{ type: 'ICD' }],
        note: 'never indexed: encrypted fields are not on the wire anyway',
      },
      ['secret-1'],
    )
    expect(index.sortValue).toBe(17951031)
    expect(index.term.sort()).toEqual(
      [
        '*',
        'sfk:secret-1',
        'tag:CARE',
        'tag:CARE|vip',
        'code:ICD',
        'id:urn:mrn|42',
        'ssin:123',
        'gender:male',
      ].sort(),
    )
    expect(index.name).toContain('keatsjohn')
    expect(index.name).toContain('johnkeats')
    expect(index.name).toContain('brawne')
  })

  it('dates a sample by value date, else opening date, else 0; links to healthcare elements', () => {
    expect(searchIndexOf('dataSample', { id: 's', valueDate: 20240101120000 }).sortValue).toBe(20240101120000)
    // A plain date sorts at its midnight among date-times (filters compare date-times).
    expect(searchIndexOf('dataSample', { id: 's', openingDate: 20240102 }).sortValue).toBe(20240102000000)
    expect(searchIndexOf('dataSample', { id: 's', valueDate: 'soon' }).sortValue).toBe(0)
    expect(searchIndexOf('dataSample', { id: 's', healthcareElementIds: ['he1', 7] }).term).toContain(
      'he:he1',
    )
  })

  it('indexes a professional by names, labels, codes and speciality codes', () => {
    const index = searchIndexOf('healthcareProfessional', {
      id: 'h',
      firstName: 'Greg',
      lastName: 'House',
      specialityCodes: [{ type: 'SPECIALITY', code: 'diagnostics' }],
    })
    expect(index.term).toContain('code:SPECIALITY|diagnostics')
    expect(index.name).toContain('housegreg')
  })

  it('indexes a notification by type only, dated by its creation time (epoch ms)', () => {
    const index = searchIndexOf('notification', {
      id: 'n',
      type: 'KEY_PAIR_UPDATE',
      status: 'pending',
      created: 1_700_000_000_123,
      identifiers: [{ system: 's', value: 'v' }],
    })
    expect(index).toEqual({ term: ['*', 'type:KEY_PAIR_UPDATE'], name: [], sortValue: 1_700_000_000_123 })
    expect(TERMS.notificationType('KEY_PAIR_UPDATE')).toBe('type:KEY_PAIR_UPDATE')
    // No type, or a creation time that is not a whole number of ms: nothing to filter on.
    expect(searchIndexOf('notification', { id: 'n', type: 7, created: 1.5 })).toEqual({
      term: ['*'],
      name: [],
      sortValue: 0,
    })
  })

  it('stores a long term as its hash, which filters compute the same way', () => {
    const long = 'x'.repeat(8000)
    const index = searchIndexOf('dataSample', { id: 's', codes: [{ type: 'LOINC', code: long }] })
    const hashed = index.term.find((t) => t.startsWith('code:#'))
    expect(hashed).toMatch(/^code:#[0-9a-f]{64}$/)
    expect(TERMS.code('LOINC', long)).toBe(hashed)
    expect(index.term).toContain('code:LOINC')
    expect(index.term.every((t) => Buffer.byteLength(t) <= 256)).toBe(true)
  })

  it('refuses a document with more searchable values than the limit (400), before anything is written', () => {
    const labels = Array.from({ length: MAX_TERMS_PER_DOCUMENT }, (_, i) => ({ type: 'T', code: String(i) }))
    expect(() => searchIndexOf('dataSample', { id: 'big', labels })).toThrow(
      expect.objectContaining({
        code: 'BAD_REQUEST',
        message: expect.stringMatching(/at most 2000/) as unknown,
      }) as unknown,
    )
  })

  it('turns a date bound into a date-time bound covering the whole day', () => {
    expect(dateBound(20240131, true, true)).toBe(20240131235959)
    expect(dateBound(20240131, false, true)).toBe(20240131000000)
    expect(dateBound(20240131101010, true, true)).toBe(20240131101010)
    expect(dateBound(20240131, true, false)).toBe(20240131)
    expect(dateBound(undefined, true, true)).toBeUndefined()
  })
})
