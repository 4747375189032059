/**
 * Entry of the load-generator child process: reads one {@link LoadSpec} as JSON on stdin (not in
 * argv, where the bearer token would be visible to every local user in the process list), runs it,
 * and prints one {@link LoadResult} as JSON on stdout.
 */
import { runLoad, type LoadSpec } from './load-client.ts'

let input = ''
process.stdin.setEncoding('utf8')
process.stdin.on('data', (chunk: string) => (input += chunk))
process.stdin.on('end', () => {
  runLoad(JSON.parse(input) as LoadSpec).then(
    (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
    (error: unknown) => {
      process.stderr.write(`${(error as Error).stack ?? String(error)}\n`)
      process.exit(1)
    },
  )
})
