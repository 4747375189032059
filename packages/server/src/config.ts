import { DEFAULT_PORT } from '@cairn/protocol'

/** Everything the server needs to run, with defaults for the embedded SQLite setup. */
export interface ServerConfig {
  host: string
  port: number
  /** Folder of the embedded SQLite database. */
  dataDir: string
  /** `postgres://...` selects PostgreSQL; absent selects embedded SQLite. */
  databaseUrl?: string
  /** PostgreSQL schema (lets several servers or test suites share one database). */
  pgSchema?: string
  /** HMAC secret of JWTs; when absent one is generated once and kept in the database, so every instance shares it. */
  jwtSecret?: string
  /** Access token lifetime in seconds. */
  accessTokenTtl: number
  /** Refresh token lifetime in seconds. */
  refreshTokenTtl: number
  /** Login of the admin user created on an empty database. */
  adminLogin: string
  /** Password of that admin; generated and printed once when absent. */
  adminPassword?: string
  logLevel: string
  /** Largest request body in bytes (batches of encrypted entities are large). */
  bodyLimit: number
  /** Failed logins allowed per login and per address within `loginWindowSeconds` before 429. */
  loginMaxFailures: number
  loginWindowSeconds: number
}

/**
 * Reads the configuration from environment variables (CAIRN_*, PORT, DATABASE_URL), then applies
 * explicit overrides (from the CLI or tests). Invalid numbers fail fast with a clear message.
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<ServerConfig> = {},
): ServerConfig {
  const int = (name: string, fallback: number): number => {
    const raw = env[name]
    if (raw === undefined || raw === '') return fallback
    const n = Number(raw)
    if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`)
    return n
  }
  const config: ServerConfig = {
    host: env.CAIRN_HOST ?? '127.0.0.1',
    port: int('CAIRN_PORT', int('PORT', DEFAULT_PORT)),
    dataDir: env.CAIRN_DATA_DIR ?? './.cairn',
    databaseUrl: env.DATABASE_URL || undefined,
    pgSchema: env.CAIRN_PG_SCHEMA || undefined,
    jwtSecret: env.CAIRN_JWT_SECRET || undefined,
    accessTokenTtl: int('CAIRN_ACCESS_TOKEN_TTL', 3600),
    refreshTokenTtl: int('CAIRN_REFRESH_TOKEN_TTL', 7 * 24 * 3600),
    adminLogin: env.CAIRN_ADMIN_LOGIN || 'admin',
    adminPassword: env.CAIRN_ADMIN_PASSWORD || undefined,
    logLevel: env.LOG_LEVEL || 'info',
    bodyLimit: int('CAIRN_BODY_LIMIT', 32 * 1024 * 1024),
    loginMaxFailures: int('CAIRN_LOGIN_MAX_FAILURES', 10),
    loginWindowSeconds: int('CAIRN_LOGIN_WINDOW_SECONDS', 900),
    ...overrides,
  }
  return config
}
