import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, expect, it, vi } from 'vitest'
import { describeOnBothBackends } from '../testing/two-storages.ts'
import {
  SECRET_CHECK_SETTING,
  SecretAgreement,
  secretFingerprint,
  type AgreementTiming,
} from './secret-agreement.ts'

const A = 'a'.repeat(43)
const B = 'b'.repeat(43)
/** Short durations, so that "an instance that crashed is taken for dead" takes 1.5 s. */
const TIMING: AgreementTiming = { confirmIntervalMs: 300, liveMs: 1_500 }

describeOnBothBackends('the signing-secret agreement of instances sharing a database', (storages) => {
  // Every test leaves no live instance behind, so that the next starts from an idle database.
  const started: SecretAgreement[] = []
  const agreement = (storage: 'first' | 'second', secret: string) => {
    const made = new SecretAgreement(storages[storage], secret, TIMING)
    started.push(made)
    return made
  }
  afterEach(async () => {
    vi.restoreAllMocks()
    for (const made of started.splice(0)) await made.release()
  })

  it('lets instances with one secret start, refuses another while they run, and lets it start at once after a clean shutdown', async () => {
    const first = agreement('first', A)
    expect(await first.claim()).toBe('first')
    const second = agreement('second', A)
    expect(await second.claim()).toBe('same')

    await expect(agreement('second', B).claim()).rejects.toThrow(
      /different secret: give every instance the same CAIRN_JWT_SECRET/,
    )
    // Running instances confirm, which keeps the door closed past the liveness window.
    for (let n = 0; n < 3; n++) {
      await sleep(TIMING.liveMs / 2)
      expect(await first.confirm()).toBe(true)
      expect(await second.confirm()).toBe(true)
    }
    await expect(agreement('second', B).claim()).rejects.toThrow(/different secret/)
    // One instance stopped cleanly: the other still blocks the change.
    await first.release()
    await expect(agreement('first', B).claim()).rejects.toThrow(/different secret/)

    // Both stopped cleanly: the new secret starts at once (the emergency rotation of a leaked secret).
    await second.release()
    const rotated = agreement('second', B)
    expect(await rotated.claim()).toBe('replaced')
    expect(await storages.first.getSetting(SECRET_CHECK_SETTING)).toBe(secretFingerprint(B))
    expect(await agreement('first', B).claim()).toBe('same')
  })

  it('lets an instance that crashed block a change for the liveness window only, and tells it it was overtaken', async () => {
    const crashed = agreement('first', A)
    await crashed.claim()
    let overtaken = 0
    crashed.onOvertaken(() => overtaken++)
    await expect(agreement('second', B).claim()).rejects.toThrow(
      /seen 0 s ago, signs tokens with a different secret/,
    )

    // It neither confirms nor releases (a crash, or a stall): once it was not seen for liveMs, the
    // database holds no running instance with the old secret, and the new one starts.
    await sleep(TIMING.liveMs + 100)
    const rotated = agreement('second', B)
    expect(await rotated.claim()).toBe('replaced')

    // The stalled instance comes back: its next confirmation finds the other secret, and it stays out.
    expect(crashed.agreed).toBe(true)
    expect(await crashed.current()).toBe(false)
    expect(crashed.agreed).toBe(false)
    expect(overtaken).toBe(1)
    expect(await crashed.confirm()).toBe(false)
    expect(overtaken).toBe(1)
    // It did not register again: the running instances with the new secret are not disturbed.
    expect(await rotated.confirm()).toBe(true)
    expect(await agreement('first', B).claim()).toBe('same')
  })

  it("times liveness with the database's clock, whatever the instances' clocks say", async () => {
    const running = agreement('first', A)
    await running.claim()
    // A starting instance whose clock is an hour ahead still sees the running one as alive...
    vi.spyOn(Date, 'now').mockReturnValue(Date.now() + 3_600_000)
    await expect(agreement('second', B).claim()).rejects.toThrow(/seen 0 s ago/)
    // ...and one whose clock is an hour behind confirms as alive, not as seen an hour ago.
    vi.spyOn(Date, 'now').mockReturnValue(Date.now() - 7_200_000)
    await sleep(TIMING.liveMs / 2)
    expect(await running.confirm()).toBe(true)
    await sleep(TIMING.liveMs / 2)
    await expect(agreement('second', B).claim()).rejects.toThrow(/different secret/)
  })

  it('records one replacement when several instances start together with a new secret', async () => {
    const old = agreement('first', A)
    await old.claim()
    await old.release()
    const claims = await Promise.all([
      agreement('first', B).claim(),
      agreement('second', B).claim(),
      agreement('first', B).claim(),
    ])
    expect(claims.filter((claim) => claim === 'replaced')).toHaveLength(1)
    expect(claims.filter((claim) => claim === 'same')).toHaveLength(2)
  })

  it('answers whether it is current without asking the database while recently confirmed', async () => {
    const running = agreement('first', A)
    await running.claim()
    const register = vi.spyOn(storages.first.instances, 'register')
    expect(await running.current()).toBe(true)
    expect(register).not.toHaveBeenCalled()
    await sleep(2 * TIMING.confirmIntervalMs + 50)
    expect(await running.current()).toBe(true)
    expect(register).toHaveBeenCalledTimes(1)
  })

  it('never stores the secret, only a fingerprint that tells secrets apart', () => {
    expect(secretFingerprint(A)).not.toContain(A)
    expect(secretFingerprint(A)).toBe(secretFingerprint(A))
    expect(secretFingerprint(A)).not.toBe(secretFingerprint(B))
  })
})
