import type { Static, TObject, TSchema } from '@sinclair/typebox'

/** HTTP methods of the API. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE'

/**
 * One route of the HTTP API, declared once: the server registers it (validation, serialisation,
 * OpenAPI) and the SDK calls it (path, method, types). `path` uses `:name` parameters and is relative
 * to the API prefix unless `root` is set.
 */
export interface RouteDef {
  readonly method: HttpMethod
  readonly path: string
  /** OpenAPI operation id, unique. */
  readonly operationId: string
  readonly summary: string
  /** Longer explanation, in the OpenAPI operation. */
  readonly description?: string
  readonly tags: readonly string[]
  /** Reachable without a bearer token (login, refresh, health). */
  readonly public?: boolean
  /** Served at the server root instead of under the API prefix. */
  readonly root?: boolean
  readonly params?: TObject
  readonly query?: TObject
  readonly body?: TSchema
  /**
   * `binary`: the request body is raw bytes (`application/octet-stream`), handed to the handler as a
   * stream and never buffered or parsed (attachments). Such a route declares no `body`: the OpenAPI
   * document describes the body as binary.
   */
  readonly bodyType?: 'binary'
  /** Schema of the successful (200) answer. */
  readonly response: TSchema
  /** `binary`: the 200 answer is raw bytes (`application/octet-stream`), streamed; `response` documents it. */
  readonly responseType?: 'binary'
}

/** Keeps the literal types of a route declaration (and checks it is one). */
export function defineRoute<const R extends RouteDef>(route: R): R {
  return route
}

type StaticOf<R, K extends keyof RouteDef> = R extends { readonly [P in K]: infer S extends TSchema }
  ? Static<S>
  : undefined

/** Path parameters of a route. */
export type ParamsOf<R extends RouteDef> = StaticOf<R, 'params'>
/** Query string of a route. */
export type QueryOf<R extends RouteDef> = StaticOf<R, 'query'>
/** Request body of a route. */
export type BodyOf<R extends RouteDef> = StaticOf<R, 'body'>
/** Successful answer of a route. */
export type ResponseOf<R extends RouteDef> = Static<R['response']>

/** What a caller passes to call a route: only the parts the route declares. */
export type RouteInput<R extends RouteDef> = (R extends { params: TSchema }
  ? { params: ParamsOf<R> }
  : NoPart) &
  (R extends { query: TSchema } ? { query?: QueryOf<R> } : NoPart) &
  (R extends { body: TSchema } ? { body: BodyOf<R> } : NoPart)

/** A part of the request a route does not declare: nothing to pass. */
type NoPart = Record<never, never>

/**
 * The concrete path of a route: every `:name` replaced by its URI-encoded parameter, and the query
 * string appended (undefined values left out). Throws if a parameter is missing or is a dot segment,
 * rather than calling a wrong URL.
 */
export function routePath(
  route: RouteDef,
  params?: Record<string, string>,
  query?: Record<string, string | number | boolean | undefined>,
): string {
  const path = route.path.replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) => {
    const value = params?.[name]
    if (value === undefined) throw new Error(`Route ${route.operationId} needs the path parameter "${name}"`)
    // URL parsers resolve "." and ".." (even percent-encoded) as path segments: another route.
    if (value === '.' || value === '..')
      throw new Error(`Route ${route.operationId}: the path parameter "${name}" cannot be "${value}"`)
    return encodeURIComponent(value)
  })
  const entries = Object.entries(query ?? {}).filter(([, v]) => v !== undefined)
  if (entries.length === 0) return path
  return `${path}?${new URLSearchParams(entries.map(([k, v]) => [k, String(v)])).toString()}`
}
