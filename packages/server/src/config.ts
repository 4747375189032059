import { DEFAULT_ATTACHMENT_MAX_BYTES, DEFAULT_BODY_LIMIT, DEFAULT_PORT } from '@cairn/protocol'
import { DEFAULT_PG_TIMEOUTS } from './storage/create-storage.ts'
import type { PostgresTimeouts } from './storage/postgres-backend.ts'
import { parseTrustProxy, type TrustProxy } from './http/trust-proxy.ts'
import { parseCorsOrigins } from './http/cors.ts'
import { parseLogFormat, type LogFormat } from './http/logger-options.ts'
import {
  DEFAULT_FRIENDLY_CAPTCHA_VERIFY_URL,
  DEFAULT_RECAPTCHA_VERIFY_URL,
} from './messaging/captcha-verifier.ts'

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
  /** Most PostgreSQL connections of this instance. */
  pgPoolSize: number
  /** Time limits towards PostgreSQL (see PostgresTimeouts). */
  pgTimeouts: PostgresTimeouts
  /** SQLite: free bytes in the data directory below which /ready reports the disk as full. */
  sqliteMinFreeBytes: number
  /** SQLite: how long a write waits for another process's lock before a 503 (ms; blocks the event loop). */
  sqliteBusyTimeoutMs: number
  /** Longest /ready waits for the database before answering 503, in ms. */
  readyTimeoutMs: number
  /** On SIGTERM, in-flight requests get this long (ms) to finish before connections are cut and the process exits. */
  shutdownGraceMs: number
  /**
   * HMAC secret of JWTs (CAIRN_JWT_SECRET, at least 32 characters); when absent one is generated once
   * into `<dataDir>/jwt-secret` (mode 0600). Never stored in the database. Every instance of a
   * multi-instance deployment must be given the same value.
   */
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
  /** Log lines pretty-printed (`pretty`), as JSON (`json`), or pretty only when stdout is a terminal (`auto`). */
  logFormat: LogFormat
  /**
   * Proxies whose X-Forwarded-For/-Proto are believed (Fastify's trustProxy): the client address
   * logged and rate-limited, and whether a request came over HTTPS. See http/trust-proxy.ts.
   */
  trustProxy: TrustProxy
  /** Origins whose browser apps may call the API (CORS); empty: no CORS; `['*']`: any origin. */
  corsOrigins: string[]
  /** `max-age` of Strict-Transport-Security, sent on requests that came over HTTPS only; 0: never sent. */
  hstsMaxAge: number
  /** Largest request body in bytes (batches of encrypted entities are large). */
  bodyLimit: number
  /**
   * Largest attachment in bytes (its clear size: the server accepts what its encryption adds on top).
   * Attachments are streamed, never held in memory, so this bounds storage, not the server's memory.
   */
  attachmentMaxBytes: number
  /**
   * Folder where attachments are stored as files (CAIRN_ATTACHMENT_DIR); absent: in the database, in
   * chunks (the default, so that a database backup holds everything).
   */
  attachmentDir?: string
  /**
   * Folder of the built web console (CAIRN_CONSOLE_DIR; `cairn serve` defaults it to the console
   * package's dist/), served at `/`; absent, or CAIRN_CONSOLE_DIR=off: no console, `/` answers 404.
   */
  consoleDir?: string
  /**
   * Failed logins of one account allowed without delay (a client address gets ten times more); after
   * them each failure doubles the wait before the next try, from 1 s up to `loginMaxDelaySeconds`.
   */
  loginMaxFailures: number
  /** Failures are forgotten this many seconds after the last one. */
  loginWindowSeconds: number
  /** How long after a login a session may change its own password or email, in seconds. */
  reauthenticationWindowSeconds: number
  /** Longest back-off after failed logins, in seconds (the most an attacker can hold an account up). */
  loginMaxDelaySeconds: number
  /** Serve `GET /metrics` (Prometheus); off by default. On with CAIRN_METRICS=1 or a metrics token. */
  metricsEnabled: boolean
  /** Bearer token `/metrics` requires; without it an enabled `/metrics` is open (firewall it). */
  metricsToken?: string
  /**
   * SMTP server of outgoing email (CAIRN_SMTP_URL): `smtp://[user:password@]host[:port]` (STARTTLS when
   * the server offers it) or `smtps://...` (TLS from the start); absent: no email transport.
   */
  smtpUrl?: string
  /** Sender of emails whose application names none (CAIRN_SMTP_FROM); required with `smtpUrl`. */
  smtpFrom?: string
  /** Endpoint of the SMS provider taking a Twilio-style form post (CAIRN_SMS_URL); absent: no SMS transport. */
  smsUrl?: string
  /** HTTP Basic user of the SMS provider (CAIRN_SMS_USER; Twilio: the account SID). */
  smsUser?: string
  /** HTTP Basic password of the SMS provider (CAIRN_SMS_PASSWORD; Twilio: the auth token). Never logged. */
  smsPassword?: string
  /** Sender number or name of SMS (CAIRN_SMS_FROM); required with `smsUrl`. */
  smsFrom?: string
  /**
   * CAIRN_DEV_OUTBOX=1 (and nothing else): messages stay readable after sending (lastEmail / lastSMS
   * routes), and a channel without a transport counts its messages as delivered. Development only.
   */
  devOutbox: boolean
  /** Attempts to send a message before it is marked failed (CAIRN_OUTBOX_MAX_ATTEMPTS, at least 1). */
  outboxMaxAttempts: number
  /** Delay before the first retry of a failed send, in ms, doubled at each attempt up to one hour. */
  outboxRetryBaseMs: number
  /** reCAPTCHA verification endpoint (CAIRN_RECAPTCHA_VERIFY_URL; default Google's siteverify). */
  recaptchaVerifyUrl: string
  /** Friendly Captcha verification endpoint (CAIRN_FRIENDLY_CAPTCHA_VERIFY_URL; default theirs, v1). */
  friendlyCaptchaVerifyUrl: string
  /**
   * The access log (docs/audit.md); CAIRN_AUDIT_LOG=off disables it, for benchmarks and development
   * only (the server warns at start): reads and writes then go unrecorded.
   */
  auditLog: boolean
  /** Access-log entries queued at most before requests are refused with 503 (CAIRN_AUDIT_QUEUE_LIMIT). */
  auditQueueLimit: number
  /** Access-log entries older than this many days are deleted daily (CAIRN_AUDIT_RETENTION_DAYS); 0 keeps them. */
  auditRetentionDays: number
  /** Realtime: every instance reads the event log at least this often (ms), whatever the signals say. */
  realtimePollMs: number
  /** Realtime: most events waiting for one subscription before it is closed as a slow consumer (4409). */
  realtimeQueueLimit: number
  /** Realtime: most bytes waiting in one socket's send buffer before it is closed as a slow consumer. */
  realtimeMaxBufferBytes: number
  /** Realtime: most events one reconnection replays; more -> `resync`. */
  realtimeReplayMax: number
  /** Realtime: events are kept (and replayable) this many seconds. */
  realtimeReplaySeconds: number
  /** Realtime: the server pings every socket this often (ms); no pong by the next ping -> 4408. */
  realtimePingMs: number
  /** Realtime: most subscriptions of one user on one instance (4429 beyond). */
  realtimeMaxSubscriptions: number
  /**
   * Realtime: `redis://` or `rediss://` URL of a Redis that carries the signal between instances
   * instead of PostgreSQL LISTEN/NOTIFY (PostgreSQL only). Never logged: it may hold a password.
   */
  realtimeRedisUrl?: string
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
    pgPoolSize: int('CAIRN_PG_POOL_SIZE', 10),
    pgTimeouts: {
      connectMs: int('CAIRN_PG_CONNECT_TIMEOUT_MS', DEFAULT_PG_TIMEOUTS.connectMs),
      statementMs: int('CAIRN_PG_STATEMENT_TIMEOUT_MS', DEFAULT_PG_TIMEOUTS.statementMs),
      queryMs: int('CAIRN_PG_QUERY_TIMEOUT_MS', DEFAULT_PG_TIMEOUTS.queryMs),
      idleInTransactionMs: int(
        'CAIRN_PG_IDLE_IN_TRANSACTION_TIMEOUT_MS',
        DEFAULT_PG_TIMEOUTS.idleInTransactionMs,
      ),
      keepAliveDelayMs: int('CAIRN_PG_KEEPALIVE_DELAY_MS', DEFAULT_PG_TIMEOUTS.keepAliveDelayMs),
    },
    sqliteMinFreeBytes: int('CAIRN_SQLITE_MIN_FREE_BYTES', 8 * 1024 * 1024),
    sqliteBusyTimeoutMs: int('CAIRN_SQLITE_BUSY_TIMEOUT_MS', 1_000),
    readyTimeoutMs: int('CAIRN_READY_TIMEOUT_MS', 2_000),
    shutdownGraceMs: int('CAIRN_SHUTDOWN_GRACE_MS', 10_000),
    jwtSecret: env.CAIRN_JWT_SECRET || undefined,
    accessTokenTtl: int('CAIRN_ACCESS_TOKEN_TTL', 3600),
    refreshTokenTtl: int('CAIRN_REFRESH_TOKEN_TTL', 7 * 24 * 3600),
    adminLogin: env.CAIRN_ADMIN_LOGIN || 'admin',
    adminPassword: env.CAIRN_ADMIN_PASSWORD || undefined,
    logLevel: env.LOG_LEVEL || 'info',
    logFormat: parseLogFormat(env.CAIRN_LOG_FORMAT),
    trustProxy: parseTrustProxy(env.CAIRN_TRUST_PROXY),
    corsOrigins: parseCorsOrigins(env.CAIRN_CORS_ORIGINS),
    // One year: what browsers' HSTS preload lists ask for; an operator testing HTTPS sets it lower.
    hstsMaxAge: int('CAIRN_HSTS_MAX_AGE', 365 * 24 * 3600),
    bodyLimit: int('CAIRN_BODY_LIMIT', DEFAULT_BODY_LIMIT),
    attachmentMaxBytes: int('CAIRN_ATTACHMENT_MAX_BYTES', DEFAULT_ATTACHMENT_MAX_BYTES),
    attachmentDir: env.CAIRN_ATTACHMENT_DIR || undefined,
    consoleDir: env.CAIRN_CONSOLE_DIR && env.CAIRN_CONSOLE_DIR !== 'off' ? env.CAIRN_CONSOLE_DIR : undefined,
    loginMaxFailures: int('CAIRN_LOGIN_MAX_FAILURES', 10),
    loginWindowSeconds: int('CAIRN_LOGIN_WINDOW_SECONDS', 900),
    loginMaxDelaySeconds: int('CAIRN_LOGIN_MAX_DELAY_SECONDS', 300),
    reauthenticationWindowSeconds: int('CAIRN_REAUTH_WINDOW_SECONDS', 300),
    metricsEnabled: metricsFlag(env.CAIRN_METRICS),
    metricsToken: env.CAIRN_METRICS_TOKEN || undefined,
    smtpUrl: env.CAIRN_SMTP_URL || undefined,
    smtpFrom: env.CAIRN_SMTP_FROM || undefined,
    smsUrl: env.CAIRN_SMS_URL || undefined,
    smsUser: env.CAIRN_SMS_USER || undefined,
    smsPassword: env.CAIRN_SMS_PASSWORD || undefined,
    smsFrom: env.CAIRN_SMS_FROM || undefined,
    devOutbox: devOutboxFlag(env.CAIRN_DEV_OUTBOX),
    outboxMaxAttempts: int('CAIRN_OUTBOX_MAX_ATTEMPTS', 8),
    outboxRetryBaseMs: int('CAIRN_OUTBOX_RETRY_BASE_MS', 2_000),
    recaptchaVerifyUrl: env.CAIRN_RECAPTCHA_VERIFY_URL || DEFAULT_RECAPTCHA_VERIFY_URL,
    friendlyCaptchaVerifyUrl: env.CAIRN_FRIENDLY_CAPTCHA_VERIFY_URL || DEFAULT_FRIENDLY_CAPTCHA_VERIFY_URL,
    auditLog: auditLogFlag(env.CAIRN_AUDIT_LOG),
    auditQueueLimit: int('CAIRN_AUDIT_QUEUE_LIMIT', 50_000),
    auditRetentionDays: int('CAIRN_AUDIT_RETENTION_DAYS', 0),
    realtimePollMs: int('CAIRN_REALTIME_POLL_MS', 1_000),
    realtimeQueueLimit: int('CAIRN_REALTIME_QUEUE_LIMIT', 1_000),
    realtimeMaxBufferBytes: int('CAIRN_REALTIME_MAX_BUFFER_BYTES', 8 * 1024 * 1024),
    realtimeReplayMax: int('CAIRN_REALTIME_REPLAY_MAX', 10_000),
    realtimeReplaySeconds: int('CAIRN_REALTIME_REPLAY_SECONDS', 86_400),
    realtimePingMs: int('CAIRN_REALTIME_PING_MS', 20_000),
    realtimeMaxSubscriptions: int('CAIRN_REALTIME_MAX_SUBSCRIPTIONS', 20),
    realtimeRedisUrl: env.CAIRN_REALTIME_REDIS_URL || undefined,
    ...overrides,
  }
  // A metrics token (from the environment or an override) turns metrics on: it is only useful then.
  if (config.metricsToken) config.metricsEnabled = true
  checkMessagingConfig(config)
  checkRealtimeConfig(config)
  if (config.auditQueueLimit < 1) throw new Error('CAIRN_AUDIT_QUEUE_LIMIT must be at least 1')
  return config
}

/**
 * CAIRN_DEV_OUTBOX: exactly `1` turns the development outbox on; absent, empty or `0` leaves it off;
 * anything else fails fast rather than leaving an operator unsure whether messages are kept readable.
 */
function devOutboxFlag(raw: string | undefined): boolean {
  if (raw === undefined || raw === '' || raw === '0') return false
  if (raw === '1') return true
  throw new Error(`CAIRN_DEV_OUTBOX must be 1 or 0, got "${raw}"`)
}

/**
 * Fails fast on a messaging configuration that could only fail later, at the first send: a transport
 * without its sender, a URL of the wrong kind, no attempt at all. Messages never contain credentials.
 */
function checkMessagingConfig(config: ServerConfig): void {
  if (config.smtpUrl !== undefined) {
    let url: URL
    try {
      url = new URL(config.smtpUrl)
    } catch {
      throw new Error('CAIRN_SMTP_URL must be a URL such as smtp://user:password@mail.example.org:587')
    }
    if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:')
      throw new Error(`CAIRN_SMTP_URL must start with smtp:// or smtps://, got "${url.protocol}//"`)
    if (!url.hostname) throw new Error('CAIRN_SMTP_URL must name a host')
    if (url.search || (url.pathname !== '' && url.pathname !== '/'))
      throw new Error('CAIRN_SMTP_URL takes a host, a port and credentials only (no path or ?options)')
    if (!config.smtpFrom)
      throw new Error('CAIRN_SMTP_FROM (the default sender address) is required with CAIRN_SMTP_URL')
  }
  if (config.smsUrl !== undefined) {
    let url: URL
    try {
      url = new URL(config.smsUrl)
    } catch {
      throw new Error('CAIRN_SMS_URL must be an http:// or https:// URL')
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new Error('CAIRN_SMS_URL must be an http:// or https:// URL')
    if (url.username || url.password)
      throw new Error('CAIRN_SMS_URL must not hold credentials: use CAIRN_SMS_USER and CAIRN_SMS_PASSWORD')
    if (!config.smsFrom)
      throw new Error('CAIRN_SMS_FROM (the sender number or name) is required with CAIRN_SMS_URL')
  }
  if (config.outboxMaxAttempts < 1) throw new Error('CAIRN_OUTBOX_MAX_ATTEMPTS must be at least 1')
  if (config.outboxRetryBaseMs < 1) throw new Error('CAIRN_OUTBOX_RETRY_BASE_MS must be at least 1')
}

/** Fails fast on realtime settings that would make subscriptions unusable (zero intervals or limits). */
function checkRealtimeConfig(config: ServerConfig): void {
  const atLeastOne: [keyof ServerConfig, string][] = [
    ['realtimePollMs', 'CAIRN_REALTIME_POLL_MS'],
    ['realtimeQueueLimit', 'CAIRN_REALTIME_QUEUE_LIMIT'],
    ['realtimeMaxBufferBytes', 'CAIRN_REALTIME_MAX_BUFFER_BYTES'],
    ['realtimeReplaySeconds', 'CAIRN_REALTIME_REPLAY_SECONDS'],
    ['realtimePingMs', 'CAIRN_REALTIME_PING_MS'],
    ['realtimeMaxSubscriptions', 'CAIRN_REALTIME_MAX_SUBSCRIPTIONS'],
  ]
  for (const [key, name] of atLeastOne)
    if ((config[key] as number) < 1) throw new Error(`${name} must be at least 1`)
  if (config.realtimeRedisUrl !== undefined) checkRealtimeRedisUrl(config)
}

/**
 * CAIRN_REALTIME_REDIS_URL: a redis:// or rediss:// URL with a host and at most a database number,
 * and PostgreSQL as the database (one SQLite file is one instance: there is no other instance to
 * signal). The messages never repeat the URL, which may hold a password.
 */
function checkRealtimeRedisUrl(config: ServerConfig): void {
  let url: URL
  try {
    url = new URL(config.realtimeRedisUrl!)
  } catch {
    throw new Error('CAIRN_REALTIME_REDIS_URL must be a URL such as redis://:password@redis.example.org:6379')
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:')
    throw new Error(`CAIRN_REALTIME_REDIS_URL must start with redis:// or rediss://, got "${url.protocol}//"`)
  if (!url.hostname) throw new Error('CAIRN_REALTIME_REDIS_URL must name a host')
  if (url.search || !/^\/?\d*$/.test(url.pathname))
    throw new Error('CAIRN_REALTIME_REDIS_URL takes a host, a port, credentials and a database number only')
  if (!config.databaseUrl)
    throw new Error(
      'CAIRN_REALTIME_REDIS_URL needs PostgreSQL (DATABASE_URL): with SQLite there is one instance and nothing to signal',
    )
}

/**
 * CAIRN_AUDIT_LOG: on unless exactly `off` (absent, empty, `on`); anything else fails fast, so that a
 * typo cannot turn the access log off, nor leave an operator believing it is off.
 */
function auditLogFlag(raw: string | undefined): boolean {
  if (raw === undefined || raw === '' || raw === 'on') return true
  if (raw === 'off') return false
  throw new Error(`CAIRN_AUDIT_LOG must be on or off, got "${raw}"`)
}

/** CAIRN_METRICS: `1`/`true` turns metrics on, absent/empty/`0`/`false` leaves them off; anything else fails fast. */
function metricsFlag(raw: string | undefined): boolean {
  if (raw === undefined || raw === '' || raw === '0' || raw === 'false') return false
  if (raw === '1' || raw === 'true') return true
  throw new Error(`CAIRN_METRICS must be 1 or 0, got "${raw}"`)
}
