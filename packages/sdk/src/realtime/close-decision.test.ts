import { describe, expect, it } from 'vitest'
import { REALTIME_CLOSE_CODES } from '@cairn/protocol'
import { closeCodeOfUpgradeStatus, closeDecision } from './close-decision.ts'

describe('closeDecision', () => {
  it('never reconnects after the app closed the subscription, whatever the code', () => {
    for (const code of [1000, 1001, 1006, 4401, 4408])
      expect(closeDecision(code, true), String(code)).toEqual({ action: 'stop' })
  })

  it('never reconnects after a refusal that would come again (4400 bad filter, 4403 forbidden)', () => {
    expect(closeDecision(REALTIME_CLOSE_CODES.badRequest, false)).toEqual({ action: 'stop' })
    expect(closeDecision(REALTIME_CLOSE_CODES.forbidden, false)).toEqual({ action: 'stop' })
  })

  it('reconnects with a fresh token after 4401', () => {
    expect(closeDecision(REALTIME_CLOSE_CODES.unauthorized, false)).toEqual({
      action: 'reconnect',
      renewToken: true,
    })
  })

  it('reconnects with the same token after the server went away, a timeout, a slow consumer, a lost network', () => {
    for (const code of [1000, 1001, 1006, 1011, 4408, 4409, 4429])
      expect(closeDecision(code, false), String(code)).toEqual({ action: 'reconnect', renewToken: false })
  })
})

describe('closeCodeOfUpgradeStatus', () => {
  it('maps the refusals of an upgrade to the close codes that decide the same way', () => {
    expect(closeCodeOfUpgradeStatus(400)).toBe(REALTIME_CLOSE_CODES.badRequest)
    expect(closeCodeOfUpgradeStatus(401)).toBe(REALTIME_CLOSE_CODES.unauthorized)
    expect(closeCodeOfUpgradeStatus(403)).toBe(REALTIME_CLOSE_CODES.forbidden)
    expect(closeCodeOfUpgradeStatus(429)).toBe(REALTIME_CLOSE_CODES.tooMany)
  })

  it('leaves other statuses (a proxy error, a server starting) to be retried', () => {
    for (const status of [404, 500, 502, 503]) expect(closeCodeOfUpgradeStatus(status)).toBeUndefined()
  })
})
