/**
 * JSON Schema keywords that the server's validation uses but OpenAPI 3.0 schema objects do not have:
 * `propertyNames` bounds the keys of the protocol's maps (delegates, fingerprints), which OpenAPI 3.0
 * cannot express (its validators refuse the document with it).
 */
const NOT_IN_OPENAPI_30 = ['propertyNames']

/**
 * The OpenAPI document without the keywords OpenAPI 3.0 lacks, removed in place (the document is
 * generated once and cached by @fastify/swagger). Request validation is not affected: it runs on the
 * protocol's schemas, not on this document.
 */
export function withoutUnsupportedKeywords<T>(document: T): T {
  const walk = (node: unknown): void => {
    if (!node || typeof node !== 'object') return
    if (Array.isArray(node)) {
      node.forEach(walk)
      return
    }
    const object = node as Record<string, unknown>
    for (const keyword of NOT_IN_OPENAPI_30) delete object[keyword]
    Object.values(object).forEach(walk)
  }
  walk(document)
  return document
}
