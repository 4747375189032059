import { readFileSync } from 'node:fs'

const USAGE = `Usage: cairn <command> [options]

Commands:
  serve        Start the Cairn server (embedded SQLite in ./.cairn by default; DATABASE_URL=postgres://... for PostgreSQL)
  create-hcp   Create a healthcare professional with a user and a key pair generated here (client side)
  admin        Local administration with database access: "cairn admin reset-password" recovers the admin
  codes        Code systems: "cairn codes import FILE" imports SNOMED CT, LOINC or CSV codings over HTTP
  auth-app     Message-gateway applications (spec ids): "cairn auth-app put|list" (admin)
  auth-process Sign-up and login processes by email or SMS code: "cairn auth-process create|list|delete" (admin)
  invite-hcp   Invite a healthcare professional by email; its key pair is made on its own device (admin)
  audit        The access log: "cairn audit list" (admin, over HTTP), "cairn audit verify" (the hash chain, in the database)
  backup       Online backup of the embedded SQLite database (data, access log, attachment files) into a folder
  restore      Restores a "cairn backup" folder into an empty data directory, checking hashes and the access log

Options:
  -h, --help     Show this help
  -v, --version  Print the version of cairn

Run "cairn <command> --help" for the options of a command.`

/**
 * Version of the cli package. Read from its package.json next to src/ and dist/ (both one level
 * down), so `--version` loads neither the server nor the SDK.
 */
function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string
  }
  return pkg.version
}

/**
 * Entry point of the `cairn` command: dispatches to a sub-command and turns failures into exit codes.
 * Sub-commands are imported only when asked for (the server and the SDK take time to load), so
 * `--help` and `--version` answer at once.
 */
async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  switch (command) {
    case 'serve': {
      const { runServe } = await import('./commands/serve.ts')
      return runServe(rest)
    }
    case 'create-hcp': {
      const { runCreateHcp } = await import('./commands/create-hcp.ts')
      return runCreateHcp(rest)
    }
    case 'admin': {
      const { runAdmin } = await import('./commands/admin.ts')
      return runAdmin(rest)
    }
    case 'codes': {
      const { runCodes } = await import('./commands/codes.ts')
      return runCodes(rest)
    }
    case 'auth-app': {
      const { runAuthApp } = await import('./commands/auth-app.ts')
      return runAuthApp(rest)
    }
    case 'auth-process': {
      const { runAuthProcess } = await import('./commands/auth-process.ts')
      return runAuthProcess(rest)
    }
    case 'invite-hcp': {
      const { runInviteHcp } = await import('./commands/invite-hcp.ts')
      return runInviteHcp(rest)
    }
    case 'audit': {
      const { runAudit } = await import('./commands/audit.ts')
      return runAudit(rest)
    }
    case 'backup': {
      const { runBackup } = await import('./commands/backup.ts')
      return runBackup(rest)
    }
    case 'restore': {
      const { runRestore } = await import('./commands/restore.ts')
      return runRestore(rest)
    }
    case '--version':
    case '-v':
      console.log(version())
      return 0
    case undefined:
    case '--help':
    case '-h':
      console.log(USAGE)
      return command === undefined ? 1 : 0
    default:
      console.error(`Unknown command "${command}"\n\n${USAGE}`)
      return 1
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exitCode = code
  },
  (e: unknown) => {
    console.error(`cairn: ${e instanceof Error ? e.message : String(e)}`)
    process.exitCode = 1
  },
)
