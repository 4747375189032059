import {
  API_PREFIX,
  ROUTES,
  routePath,
  type ErrorBody,
  type ResponseOf,
  type RouteDef,
  type RouteInput,
} from '@cairn/protocol'

/** The server of a local installation (`cairn serve`'s default port). */
export const DEFAULT_URL = 'http://127.0.0.1:16043'

/** Help text of the options every admin command takes. */
export const ADMIN_OPTIONS_HELP = `  --url URL               server (default ${DEFAULT_URL})
  --admin-login LOGIN     an admin (default $CAIRN_ADMIN_LOGIN or "admin")
  --admin-password PW     its password (default $CAIRN_ADMIN_PASSWORD)`

/** parseArgs options of the admin login, shared by the admin commands. */
export const ADMIN_OPTIONS = {
  url: { type: 'string' },
  'admin-login': { type: 'string' },
  'admin-password': { type: 'string' },
} as const

/** The admin login of a command: its flags, else the environment (as `cairn create-hcp`). */
export interface AdminLogin {
  url: string
  login: string
  password: string
}

/** Reads the admin login from the parsed flags and the environment; throws without a password. */
export function adminLoginOf(values: {
  url?: string
  'admin-login'?: string
  'admin-password'?: string
}): AdminLogin {
  const password = values['admin-password'] ?? process.env.CAIRN_ADMIN_PASSWORD
  if (!password) throw new Error('--admin-password (or CAIRN_ADMIN_PASSWORD) is required')
  return {
    url: (values.url ?? DEFAULT_URL).replace(/\/+$/, ''),
    login: values['admin-login'] ?? process.env.CAIRN_ADMIN_LOGIN ?? 'admin',
    password,
  }
}

/**
 * JSON over HTTP to the admin routes of a Cairn server (the messaging configuration, which the SDK
 * does not cover): logs in once and sends the access token. A failure is an Error with the server's
 * status and message (`<status> - <message>`), which the `cairn` command prints.
 */
export class AdminClient {
  private constructor(
    private readonly url: string,
    private readonly token: string,
  ) {}

  /** Logs in as the admin; rejects with the server's answer (a wrong password: `401 - ...`). */
  static async login(admin: AdminLogin): Promise<AdminClient> {
    const tokens = await send(admin.url, ROUTES.login, {
      body: { username: admin.login, password: admin.password },
    })
    return new AdminClient(admin.url, tokens.token)
  }

  /** Calls a route of the route table with the admin's session. */
  call<R extends RouteDef>(route: R, input: RouteInput<R>): Promise<ResponseOf<R>> {
    return send(this.url, route, input, this.token)
  }

  /** Ends the admin's session (best effort: it expires anyway). */
  async logout(): Promise<void> {
    await send(this.url, ROUTES.logout, {}, this.token).catch(() => undefined)
  }
}

async function send<R extends RouteDef>(
  url: string,
  route: R,
  input: RouteInput<R>,
  token?: string,
): Promise<ResponseOf<R>> {
  const { params, query, body } = input as {
    params?: Record<string, string>
    query?: Record<string, string | number | boolean | undefined>
    body?: unknown
  }
  const target = `${url}${route.root ? '' : API_PREFIX}${routePath(route, params, query)}`
  let res: Response
  try {
    res = await fetch(target, {
      method: route.method,
      headers: {
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
  } catch (e) {
    const cause = e instanceof Error && e.cause instanceof Error ? `: ${e.cause.message}` : ''
    throw new Error(`cannot reach the Cairn server at ${url}${cause}`, { cause: e })
  }
  const text = await res.text()
  if (!res.ok) {
    let message = text || res.statusText
    try {
      message = (JSON.parse(text) as ErrorBody).error?.message ?? message
    } catch {
      // Not JSON: keep the text.
    }
    throw new Error(`${res.status} - ${message} (${route.method} ${target})`)
  }
  return (text ? JSON.parse(text) : undefined) as ResponseOf<R>
}
