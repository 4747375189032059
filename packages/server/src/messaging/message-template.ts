/** Subject of a code email when the process names none. */
export const DEFAULT_SUBJECT = '{{code}} is your {{appName}} code'

/** Text of a code message (email body or SMS) when the process names none. */
export const DEFAULT_TEMPLATE =
  '{{code}} is your {{appName}} validation code. It is valid for {{minutes}} minutes. ' +
  'If you did not ask for it, you can ignore this message.'

/** The values a template may use. */
export interface TemplateValues {
  code: string
  appName: string
  firstName?: string
  lastName?: string
  /** The code's lifetime in minutes. */
  minutes: number
}

/** A rendered message: subject, plain text, and the same text as escaped HTML. */
export interface RenderedMessage {
  subject: string
  text: string
  html: string
}

const PLACEHOLDER = /\{\{\s*(code|appName|firstName|lastName|minutes)\s*\}\}/g

/** Whether a template contains `{{code}}` (a message without the code is useless). */
export function hasCodePlaceholder(template: string): boolean {
  return /\{\{\s*code\s*\}\}/.test(template)
}

/**
 * `value` made safe for one line of a message: control characters (line breaks included, so that a
 * name cannot add lines to a subject or forge a paragraph) become spaces. Names come from the public
 * process start and must not shape the message around them.
 */
function oneLine(value: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what is removed
  return value.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim()
}

/** Text with `&`, `<`, `>`, `"` and `'` escaped for HTML. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
}

/** Replaces the placeholders of `template` with the values; unknown `{{...}}` stay as they are. */
function fill(template: string, values: TemplateValues): string {
  return template.replace(PLACEHOLDER, (_match, name: keyof TemplateValues) => {
    const value = values[name]
    return value === undefined ? '' : oneLine(String(value))
  })
}

/**
 * Renders a process's message: the subject and text with the values put in place, and an HTML part
 * that is the text escaped (values included: a name such as `<script>` arrives as text), its line breaks
 * kept. Templates are plain text, as the process API documents.
 */
export function renderMessage(subject: string, template: string, values: TemplateValues): RenderedMessage {
  const text = fill(template, values)
  const html = `<p>${escapeHtml(text).replace(/\r?\n/g, '<br>\n')}</p>`
  return { subject: oneLine(fill(subject, values)), text, html }
}
