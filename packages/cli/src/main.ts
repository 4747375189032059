import { runServe } from './commands/serve.ts'
import { runCreateHcp } from './commands/create-hcp.ts'

const USAGE = `Usage: cairn <command> [options]

Commands:
  serve        Start the Cairn server (embedded SQLite in ./.cairn by default; DATABASE_URL=postgres://... for PostgreSQL)
  create-hcp   Create a healthcare professional with a user and a key pair generated here (client side)

Run "cairn <command> --help" for the options of a command.`

/** Entry point of the `cairn` command: dispatches to a sub-command and turns failures into exit codes. */
async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  switch (command) {
    case 'serve':
      return runServe(rest)
    case 'create-hcp':
      return runCreateHcp(rest)
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
