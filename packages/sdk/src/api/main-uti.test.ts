import { describe, expect, it } from 'vitest'
import { mainUtiOf } from './main-uti.ts'

describe('mainUtiOf', () => {
  it("maps MedTech's extensions, case-sensitively, from the last dot", () => {
    expect(mainUtiOf('scan.pdf')).toBe('public.adobe.pdf')
    expect(mainUtiOf('photo.final.jpe')).toBe('public.jpeg')
    expect(mainUtiOf('notes.ini')).toBe('public.plain-text')
    expect(mainUtiOf('page.shtm')).toBe('public.html')
    expect(mainUtiOf('schema.xsd')).toBe('public.xml')
    expect(mainUtiOf('SCAN.PDF')).toBeUndefined()
  })

  it('answers undefined without a name, an extension or a known one', () => {
    expect(mainUtiOf(undefined)).toBeUndefined()
    expect(mainUtiOf('')).toBeUndefined()
    expect(mainUtiOf('README')).toBeUndefined()
    expect(mainUtiOf('archive.zip')).toBeUndefined()
    expect(mainUtiOf('x.constructor')).toBeUndefined()
  })
})
