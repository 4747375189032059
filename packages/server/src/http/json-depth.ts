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
 * Replaces the JSON body parser with one that refuses (400) bodies nested deeper than MAX_JSON_DEPTH
 * before parsing them, then parses with Fastify's own parser (which guards against prototype
 * poisoning).
 */
export function installDepthCheckedJsonParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string
    if (jsonNestsDeeperThan(text, MAX_JSON_DEPTH)) {
      done(badRequest(`Invalid body: JSON nested deeper than ${MAX_JSON_DEPTH} levels`), undefined)
      return
    }
    void parse(request, text, done)
  })
}
