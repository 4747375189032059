import { describe, expect, it } from 'vitest'
import {
  DEFAULT_SUBJECT,
  DEFAULT_TEMPLATE,
  escapeHtml,
  hasCodePlaceholder,
  renderMessage,
} from './message-template.ts'

describe('message templates', () => {
  it('renders the defaults: the code in the subject, the app and the lifetime in the text', () => {
    const m = renderMessage(DEFAULT_SUBJECT, DEFAULT_TEMPLATE, {
      code: '482913',
      appName: 'My clinic',
      minutes: 10,
    })
    expect(m.subject).toBe('482913 is your My clinic code')
    expect(m.text).toContain('482913 is your My clinic validation code')
    expect(m.text).toContain('valid for 10 minutes')
    expect(m.html).toBe(`<p>${m.text}</p>`)
    expect(hasCodePlaceholder(DEFAULT_TEMPLATE)).toBe(true)
  })

  it('fills every placeholder, spaces allowed, and leaves unknown ones', () => {
    const m = renderMessage(
      'Hi {{ firstName }}',
      'Dear {{firstName}} {{lastName}}, {{code}} ({{minutes}} min, {{appName}}) {{other}}',
      {
        code: '1234567',
        appName: 'App',
        firstName: 'Jane',
        lastName: 'Doe',
        minutes: 5,
      },
    )
    expect(m.subject).toBe('Hi Jane')
    expect(m.text).toBe('Dear Jane Doe, 1234567 (5 min, App) {{other}}')
    expect(renderMessage('{{firstName}}x', '{{code}}', { code: '1', appName: 'a', minutes: 1 }).subject).toBe(
      'x',
    )
  })

  it('escapes the HTML part, values included, and keeps the line breaks of the text', () => {
    const m = renderMessage('{{firstName}}', 'Hello {{firstName}} & co\n<b>{{code}}</b>', {
      code: '123456',
      appName: 'A',
      firstName: '<script>alert("x")</script>',
      minutes: 1,
    })
    expect(m.text).toBe('Hello <script>alert("x")</script> & co\n<b>123456</b>')
    expect(m.html).toBe(
      '<p>Hello &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co<br>\n&lt;b&gt;123456&lt;/b&gt;</p>',
    )
    expect(m.html).not.toContain('<script>')
    expect(escapeHtml(`'`)).toBe('&#39;')
  })

  it('keeps names on one line: no line break reaches a subject or forges a paragraph', () => {
    const m = renderMessage('Code for {{firstName}}', '{{firstName}}: {{code}}', {
      code: '123456',
      appName: 'A',
      firstName: 'Jane\r\nBcc: evil@example.org\n\nClick here',
      minutes: 1,
    })
    expect(m.subject).toBe('Code for Jane Bcc: evil@example.org Click here')
    expect(m.subject).not.toMatch(/[\r\n]/)
    expect(m.text.split('\n')).toHaveLength(1)
  })

  it('tells whether a template carries the code', () => {
    expect(hasCodePlaceholder('Your code: {{ code }}')).toBe(true)
    expect(hasCodePlaceholder('No code here {{appName}}')).toBe(false)
  })
})
