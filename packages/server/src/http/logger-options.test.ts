import { describe, expect, it } from 'vitest'
import { logsArePretty, parseLogFormat } from './logger-options.ts'

describe('log format (CAIRN_LOG_FORMAT)', () => {
  it('is pretty on a terminal and JSON on a pipe by default', () => {
    expect(parseLogFormat(undefined)).toBe('auto')
    expect(logsArePretty('auto', true)).toBe(true)
    expect(logsArePretty('auto', false)).toBe(false)
  })

  it('can be forced either way', () => {
    expect(logsArePretty(parseLogFormat('json'), true)).toBe(false)
    expect(logsArePretty(parseLogFormat('pretty'), false)).toBe(true)
    expect(() => parseLogFormat('xml')).toThrow('CAIRN_LOG_FORMAT must be auto, json or pretty, got "xml"')
  })
})
