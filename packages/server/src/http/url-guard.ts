import type { FastifyInstance } from 'fastify'
import { badRequest } from './app-error.ts'

/** A NUL in any spelling of its escape (`%00`; hex digits of zero have no case). */
const NUL_ESCAPE = /%00/

/**
 * What is wrong with a request target (path and query string), or undefined when nothing is: a NUL
 * (`%00`), or percent-escapes that do not decode to UTF-8 (`%C3%28`, `%zz`). Such values reach
 * queries as ids and filter values: PostgreSQL refuses a NUL in text (a 500) and the query-string
 * parser decodes broken escapes leniently, so they are refused here, before any query. (Raw bytes
 * beyond ASCII never get here: Node's HTTP parser refuses them, see client-error.ts; broken escapes
 * in the path are refused by the router, see framework-errors.ts.) A target without `%`, nearly all
 * of them, costs one string search.
 */
export function urlProblem(url: string): string | undefined {
  if (!url.includes('%')) return undefined
  if (NUL_ESCAPE.test(url)) return 'Invalid URL: it holds a NUL character (%00)'
  try {
    decodeURIComponent(url)
  } catch {
    return 'Invalid URL: a percent-escape does not decode to UTF-8 (malformed %XX sequence)'
  }
  return undefined
}

/**
 * Refuses (400, before routing reaches a handler, authentication included) every request whose
 * path or query string fails urlProblem.
 */
export function installUrlGuard(app: FastifyInstance): void {
  app.addHook('onRequest', (request, _reply, done) => {
    const problem = urlProblem(request.url)
    done(problem ? badRequest(problem) : undefined)
  })
}
