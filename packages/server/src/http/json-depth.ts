import { isUtf8 } from 'node:buffer'
import type { FastifyInstance } from 'fastify'
import { badRequest } from './app-error.ts'

/**
 * Deepest nesting of arrays/objects accepted in a request body. Real documents nest a handful of
 * levels (medical content is inside `encryptedSelf`, a string); unbounded, a body of a few hundred KB
 * nested 100,000 levels deep passes the schemas (free-form fields) and then overflows the stack when
 * the document is serialised: a 500 instead of a 400.
 */
export const MAX_JSON_DEPTH = 100

const QUOTE = 0x22
const BACKSLASH = 0x5c
const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d

/**
 * Whether the JSON text nests arrays/objects deeper than `max`, read from the text before it is parsed:
 * one pass over the characters, skipping strings, with no allocation. Walking the parsed value instead
 * cost 200 ms for a 512 KiB body of tiny arrays (an entry per value); this costs about 1 ms. Malformed
 * text is left to the parser, which reports it.
 */
export function jsonNestsDeeperThan(text: string, max: number): boolean {
  let depth = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === QUOTE) {
      // Jump to the closing quote: one not preceded by an odd number of backslashes.
      for (;;) {
        i = text.indexOf('"', i + 1)
        if (i < 0) return false
        let slashes = 0
        while (text.charCodeAt(i - 1 - slashes) === BACKSLASH) slashes++
        if (slashes % 2 === 0) break
      }
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > max) return true
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--
    }
  }
  return false
}

/**
 * Whether the JSON text holds the escape `\u0000` (a NUL character once parsed). PostgreSQL cannot
 * store a NUL in text (a query with one fails: a 500), SQLite cuts strings at it, and no field of the
 * protocol needs one. A backslash preceded by an odd number of backslashes is itself escaped: in
 * `\\u0000` (an escaped backslash, then the text "u0000") there is no NUL. A raw NUL byte needs no
 * search: JSON forbids control characters, so the parser refuses it.
 *
 * One native search (a memchr for the backslash), so that the common body, base64 ciphertext without
 * a single backslash, costs next to nothing (docs/limits.md, "depth" column).
 */
export function jsonHasNulEscape(text: string): boolean {
  for (let i = text.indexOf('\\u0000'); i >= 0; i = text.indexOf('\\u0000', i + 1)) {
    let slashes = 1
    while (text.charCodeAt(i - slashes) === BACKSLASH) slashes++
    if (slashes % 2 === 1) return true
  }
  return false
}

/**
 * Replaces the JSON body parser with one that refuses (400), before parsing: bytes that are not UTF-8
 * (decoding would silently turn them into U+FFFD), bodies nested deeper than MAX_JSON_DEPTH and
 * strings holding a NUL character (jsonHasNulEscape). It then parses with Fastify's own parser (which
 * guards against prototype poisoning). Every check runs before any handler, so no query ever sees
 * such input, on either database.
 */
export function installDepthCheckedJsonParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser('application/json')
  // As a buffer: Fastify would decode a string itself, replacing invalid bytes without a trace.
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const bytes = body as Buffer
    if (!isUtf8(bytes)) {
      done(badRequest('Invalid body: the JSON text is not valid UTF-8'), undefined)
      return
    }
    const text = bytes.toString('utf8')
    if (jsonNestsDeeperThan(text, MAX_JSON_DEPTH)) {
      done(badRequest(`Invalid body: JSON nested deeper than ${MAX_JSON_DEPTH} levels`), undefined)
      return
    }
    if (jsonHasNulEscape(text)) {
      done(
        badRequest('Invalid body: a string holds a NUL character (\\u0000), which Cairn never stores'),
        undefined,
      )
      return
    }
    void parse(request, text, done)
  })
}
