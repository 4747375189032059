import { describe, expect, it } from 'vitest'
import { maskRecipient } from './mask-recipient.ts'
import { describeSendError } from './send-error.ts'

describe('maskRecipient', () => {
  it('keeps the first character and the domain of an email address', () => {
    expect(maskRecipient('john.doe@example.org')).toBe('j***@example.org')
    expect(maskRecipient('j@example.org')).toBe('j***@example.org')
    expect(maskRecipient('@example.org')).toBe('***@example.org')
  })

  it('keeps the country prefix and the last two digits of a phone number', () => {
    expect(maskRecipient('+32475123456')).toBe('+32***56')
    expect(maskRecipient('+1 (555) 010-9999')).toBe('+15***99')
    expect(maskRecipient('+3212')).toBe('***')
  })

  it('keeps one character of anything else', () => {
    expect(maskRecipient('someone')).toBe('s***')
    expect(maskRecipient('x')).toBe('***')
    expect(maskRecipient('')).toBe('***')
  })
})

describe('describeSendError', () => {
  it('masks every address a mail server or provider put in its answer', () => {
    const error = Object.assign(
      new Error("Can't send mail - all recipients were rejected: 550 5.1.1 <jane.doe@example.org>: unknown"),
      { code: 'EENVELOPE', responseCode: 550 },
    )
    const text = describeSendError(error)
    expect(text).toContain('j***@example.org')
    expect(text).not.toContain('jane.doe')
    expect(text).toContain('code EENVELOPE')
    expect(text).toContain('SMTP 550')
    expect(describeSendError(new Error('invalid To +32475123456'))).toBe('invalid To +32***56')
  })

  it('names the cause of a network failure, and bounds the length', () => {
    const error = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }),
    })
    expect(describeSendError(error)).toBe(
      'fetch failed; cause: connect ECONNREFUSED 127.0.0.1:9 (ECONNREFUSED)',
    )
    expect(describeSendError(new Error('x'.repeat(2000))).length).toBe(500)
    expect(describeSendError('plain')).toBe('plain')
  })
})
