/**
 * Writes a message about a password to stderr, framed so that it stands out from the log lines
 * around it. stderr and not stdout: stdout carries the server's JSON log, which log collectors keep
 * (and ship elsewhere); a password must reach the person at the terminal and nothing else.
 */
export function printPasswordNotice(lines: readonly string[]): void {
  const rule = '='.repeat(Math.max(...lines.map((l) => l.length)) + 4)
  process.stderr.write(['', rule, ...lines.map((l) => `  ${l}`), rule, ''].join('\n') + '\n')
}
