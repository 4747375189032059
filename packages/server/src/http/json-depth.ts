import { badRequest } from './app-error.ts'

/**
 * Deepest nesting of arrays/objects accepted in a request body. Real documents nest a handful of
 * levels (medical content is inside `encryptedSelf`, a string); unbounded, a body of a few hundred KB
 * nested 100,000 levels deep passes the schemas (free-form fields) and then overflows the stack when
 * the document is serialised: a 500 instead of a 400.
 */
export const MAX_JSON_DEPTH = 100

/** 400 if `value` nests arrays/objects deeper than `max` levels. Iterative, so it cannot overflow itself. */
export function assertJsonDepth(value: unknown, max: number): void {
  if (value === null || typeof value !== 'object') return
  const stack: [object, number][] = [[value, 1]]
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!
    if (depth > max) throw badRequest(`Invalid body: JSON nested deeper than ${max} levels`)
    for (const child of (Array.isArray(v) ? v : Object.values(v)) as unknown[]) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1])
    }
  }
}
