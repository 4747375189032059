import { parseArgs } from 'node:util'
import { printPasswordNotice } from '../password-notice.ts'

const HELP = `Usage: cairn admin reset-password [--login admin] [--password PASSWORD] [--data-dir DIR]

Sets a new password for a user (the admin by default) directly in the database, sets the user
ACTIVE again and ends all of its sessions. Without --password a password is generated and shown
once on stderr. Uses the same database as "cairn serve": DATABASE_URL (and CAIRN_PG_SCHEMA) for
PostgreSQL, CAIRN_DATA_DIR or --data-dir for the embedded SQLite database. The server may keep
running. A password given with --password stays in your shell history: prefer the generated one.`

/**
 * `cairn admin <command>`: local administration with direct database access, for when the API
 * cannot help (the admin's password is lost). Only `reset-password` exists.
 */
export async function runAdmin(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  if (command === 'reset-password') return resetPasswordCommand(rest)
  if (command === undefined || command === '--help' || command === '-h') {
    console.log(HELP)
    return command === undefined ? 1 : 0
  }
  console.error(`Unknown admin command "${command}"\n\n${HELP}`)
  return 1
}

/** `cairn admin reset-password`: see HELP. */
async function resetPasswordCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      login: { type: 'string' },
      password: { type: 'string' },
      'data-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) {
    console.log(HELP)
    return 0
  }
  if (values.password === '') throw new Error('--password cannot be empty (leave it out to generate one)')
  // Loaded here, not at the top: `--help` should not wait for the server code.
  const { loadConfig, resetPassword } = await import('@cairn/server')
  const config = loadConfig(process.env, values['data-dir'] ? { dataDir: values['data-dir'] } : {})
  const login = values.login ?? config.adminLogin
  const result = await resetPassword(config, login, values.password)
  const status = `user ${result.userId} is active again; ${result.sessionsRevoked} session(s) revoked`
  if (result.generatedPassword) {
    printPasswordNotice([
      `Cairn: new password of "${login}" (${status}).`,
      `  password: ${result.generatedPassword}   (shown once: keep it now)`,
    ])
  } else {
    process.stdout.write(`Cairn: password of "${login}" set (${status}).\n`)
  }
  return 0
}
