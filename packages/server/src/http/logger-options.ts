import type { FastifyServerOptions } from 'fastify'
import type { DestinationStream } from 'pino'

/** How log lines are written: `auto` picks `pretty` when stdout is a terminal, `json` otherwise. */
export type LogFormat = 'auto' | 'json' | 'pretty'

/** Reads CAIRN_LOG_FORMAT (`auto`, the default, `json` or `pretty`); anything else fails the start. */
export function parseLogFormat(raw: string | undefined): LogFormat {
  const value = raw?.trim() || 'auto'
  if (value === 'auto' || value === 'json' || value === 'pretty') return value
  throw new Error(`CAIRN_LOG_FORMAT must be auto, json or pretty, got "${raw}"`)
}

/** Whether log lines are pretty-printed for a person rather than written as JSON for a collector. */
export function logsArePretty(format: LogFormat, stdoutIsTerminal: boolean): boolean {
  return format === 'pretty' || (format === 'auto' && stdoutIsTerminal)
}

/**
 * The logger options of the Fastify app: level, and redaction of the headers that carry credentials
 * (bodies are never logged). On a terminal, lines are pretty-printed by pino-pretty, imported only
 * then (log collectors, which read stdout through a pipe, get one JSON object per line and never
 * load it). Pretty printing runs in this process and writes synchronously, so that no line is lost
 * when the server stops; it costs CPU, which matters on a busy production server, not at a terminal.
 */
export async function loggerOptions(
  level: string,
  format: LogFormat,
): Promise<NonNullable<Exclude<FastifyServerOptions['logger'], boolean>>> {
  const options = {
    level,
    // Headers with credentials are redacted and bodies (ciphertext, passwords) are never logged.
    redact: ['req.headers.authorization', 'req.headers.cookie', 'req.headers.token'],
  }
  if (!logsArePretty(format, process.stdout.isTTY === true)) return options
  const { default: pretty } = await import('pino-pretty')
  const stream: DestinationStream = pretty({
    sync: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
  })
  return { ...options, stream }
}
