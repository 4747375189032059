import { parseArgs } from 'node:util'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { printPasswordNotice } from '../password-notice.ts'

const HELP = `Usage: cairn serve [--port N] [--host H] [--data-dir DIR]

Environment: PORT/CAIRN_PORT (16043), CAIRN_HOST (127.0.0.1), CAIRN_DATA_DIR (./.cairn),
DATABASE_URL (postgres://... selects PostgreSQL), CAIRN_PG_SCHEMA, CAIRN_JWT_SECRET,
CAIRN_ADMIN_LOGIN (admin), CAIRN_ADMIN_PASSWORD (generated and printed once if unset), LOG_LEVEL,
CAIRN_SHUTDOWN_GRACE_MS (10000), CAIRN_READY_TIMEOUT_MS (2000), CAIRN_PG_POOL_SIZE (10),
CAIRN_PG_CONNECT_TIMEOUT_MS, CAIRN_PG_STATEMENT_TIMEOUT_MS, CAIRN_PG_QUERY_TIMEOUT_MS,
CAIRN_CORS_ORIGINS (none), CAIRN_TRUST_PROXY (false), CAIRN_HSTS_MAX_AGE (31536000),
CAIRN_LOG_FORMAT (auto: pretty on a terminal, JSON otherwise), CAIRN_CONSOLE_DIR (the built web
console; off: none) (see docs/operations.md).`

/**
 * The web console's build folder when the console package is installed next to the CLI and built
 * (its dist/index.html exists); undefined otherwise, so that a server without it still starts.
 */
function builtConsoleDir(): string | undefined {
  try {
    const dir = join(dirname(createRequire(import.meta.url).resolve('@cairn/console/package.json')), 'dist')
    return existsSync(join(dir, 'index.html')) ? dir : undefined
  } catch {
    return undefined
  }
}

/**
 * `cairn serve`: starts the server and stops it gracefully on SIGINT/SIGTERM. On first start on an
 * empty database, once the server listens, it creates the admin and shows its credentials once, on
 * stderr (stdout carries the JSON log). A start that fails (port taken) closes the database and
 * creates nothing: `cairn admin reset-password` recovers a password lost anyway.
 */
export async function runServe(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) {
    console.log(HELP)
    return 0
  }
  // Loaded here, not at the top: `cairn serve --help` should not wait for the server code.
  const { CairnServer, loadConfig } = await import('@cairn/server')
  const overrides: Parameters<typeof loadConfig>[1] = {}
  if (values.port !== undefined) {
    const port = Number(values.port)
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new Error(`--port must be a port number, got "${values.port}"`)
    overrides.port = port
  }
  if (values.host) overrides.host = values.host
  if (values['data-dir']) overrides.dataDir = values['data-dir']
  // The web console built with the project (packages/console/dist), unless CAIRN_CONSOLE_DIR says
  // where it is or turns it off.
  if (process.env.CAIRN_CONSOLE_DIR === undefined) overrides.consoleDir = builtConsoleDir()
  const server = new CairnServer(loadConfig(process.env, overrides))
  await server.init()
  let url: string
  try {
    url = await server.listen()
  } catch (e) {
    // Port taken, or the admin could not be written: release the database before reporting it.
    await server.close().catch(() => {})
    throw e
  }
  const b = server.bootstrap
  if (b?.created) {
    printPasswordNotice([
      'Cairn: created the admin user on this empty database.',
      `  login:    ${b.login}`,
      b.generatedPassword
        ? `  password: ${b.generatedPassword}   (shown once: keep it now)`
        : '  password: the one in CAIRN_ADMIN_PASSWORD',
      'Lost later? "npx cairn admin reset-password" sets a new one (the server may keep running).',
      'Create your first healthcare professional with:',
      `  npx cairn create-hcp --url ${url} --admin-login ${b.login} --admin-password <password> \\`,
      '    --login doctor@example.org --first-name Jane --last-name Doe --out doctor.json',
    ])
  }
  process.stdout.write(
    `Cairn server listening on ${url} (database: ${server.config.databaseUrl ? 'postgresql' : 'sqlite'})\n`,
  )
  const clean = await new Promise<boolean>((resolve) => {
    // A second signal (SIGINT then SIGTERM) waits for the shutdown already under way.
    let closing: Promise<boolean> | undefined
    const stop = (signal: string) => {
      if (closing) return
      const grace = server.config.shutdownGraceMs
      process.stdout.write(`Received ${signal}, shutting down (grace period ${grace} ms)\n`)
      closing = server.close(grace).catch((e: unknown) => {
        console.error(e)
        return false
      })
      void closing.then(resolve)
    }
    process.once('SIGINT', () => stop('SIGINT'))
    process.once('SIGTERM', () => stop('SIGTERM'))
  })
  if (!clean) {
    // Requests or database connections were cut at the end of the grace period; sockets to a silent
    // database may still be open and would keep the process alive: exit now.
    process.stdout.write('Shutdown grace period over: cut what was still running\n')
    process.exit(1)
  }
  return 0
}
