import { expect, it } from 'vitest'
import { describeOnBothBackends } from '../testing/two-storages.ts'
import {
  SECRET_CHECK_SETTING,
  SECRET_LIVE_MS,
  SecretAgreement,
  secretFingerprint,
} from './secret-agreement.ts'

const A = 'a'.repeat(43)
const B = 'b'.repeat(43)

describeOnBothBackends('the signing-secret agreement of instances sharing a database', (storages) => {
  it('lets instances with one secret start, refuses another while they run, and lets it take over once they stopped', async () => {
    let now = 1_000_000
    const clock = () => now
    const first = new SecretAgreement(storages.first, A, clock)
    expect(await first.claim()).toBe('first')
    expect(await new SecretAgreement(storages.second, A, clock).claim()).toBe('same')

    now += SECRET_LIVE_MS - 1_000
    await expect(new SecretAgreement(storages.second, B, clock).claim()).rejects.toThrow(
      /different secret: give every instance the same CAIRN_JWT_SECRET/,
    )
    // A running instance confirms, which keeps the door closed.
    expect(await first.confirm()).toBe(true)
    now += SECRET_LIVE_MS - 1_000
    await expect(new SecretAgreement(storages.second, B, clock).claim()).rejects.toThrow(/different secret/)

    // Nobody confirmed for SECRET_LIVE_MS: the secret was changed on purpose, the new one takes over.
    now += SECRET_LIVE_MS
    const rotated = new SecretAgreement(storages.second, B, clock)
    expect(await rotated.claim()).toBe('replaced')
    expect(await storages.first.getSetting(SECRET_CHECK_SETTING)).toBe(`${secretFingerprint(B)} ${now}`)

    // The old instance, stalled meanwhile, finds out at its next confirmation and stays out.
    expect(first.agreed).toBe(true)
    expect(await first.confirm()).toBe(false)
    expect(first.agreed).toBe(false)
    expect(await rotated.confirm()).toBe(true)
  })

  it('never stores the secret, only a fingerprint that tells secrets apart', () => {
    expect(secretFingerprint(A)).not.toContain(A)
    expect(secretFingerprint(A)).toBe(secretFingerprint(A))
    expect(secretFingerprint(A)).not.toBe(secretFingerprint(B))
  })
})
